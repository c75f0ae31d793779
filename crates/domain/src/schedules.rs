use crate::ids::{ScheduleId, Timestamp, UserId};
use std::collections::BTreeMap;

/// `["09:00", "17:00"]`: a wall-clock window, `24:00` allowed as an end.
pub type Window = [String; 2];

/// Windows per weekday, keyed `mon` … `sun`.
pub type WeeklyRules = BTreeMap<String, Vec<Window>>;

/// Windows per local date `YYYY-MM-DD`; an empty list is a day off.
pub type DateOverrides = BTreeMap<String, Vec<Window>>;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Schedule {
    pub id: ScheduleId,
    pub user_id: UserId,
    pub name: String,
    pub time_zone: String,
    pub weekly: WeeklyRules,
    pub overrides: DateOverrides,
    pub is_default: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A schedule's content, for creating or replacing one.
#[derive(Clone, Debug)]
pub struct ScheduleFields {
    pub name: String,
    pub time_zone: String,
    pub weekly: WeeklyRules,
    pub overrides: DateOverrides,
    pub is_default: bool,
}
