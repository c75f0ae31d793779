use crate::ids::{EventTypeId, OrganizationId, ScheduleId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// How far ahead an event type can be booked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BookingWindow {
    /// Any time in the future.
    Unlimited,
    /// Starts before now plus this many days.
    Rolling { days: u32 },
    /// Starts on these local dates (inclusive, in the owner's zone), `YYYY-MM-DD`.
    Fixed { start: String, end: String },
}

/// Where a meeting happens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Location {
    InPerson {
        address: String,
    },
    Phone {
        number: String,
    },
    Video {
        url: String,
    },
    /// A Jitsi Meet room made for each booking.
    Jitsi,
}

/// The kind of answer a question takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    ShortText,
    LongText,
    Select,
    MultiSelect,
    Checkbox,
    Phone,
    Email,
    Number,
    Url,
}

/// A question the invitee answers when booking. Questions are asked in list order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Names the answer in a booking's `answers`; unique within the event type.
    pub key: String,
    pub label: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
    /// The choices of `select` and `multi_select`.
    #[serde(default)]
    pub options: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventType {
    pub id: EventTypeId,
    pub organization_id: OrganizationId,
    pub owner_user_id: UserId,
    #[serde(flatten)]
    pub fields: EventTypeFields,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Everything about an event type that its owner sets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventTypeFields {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub duration_minutes: i32,
    /// Other durations an invitee may choose; empty when only `duration_minutes` is offered.
    pub duration_options: Vec<i32>,
    /// Minutes between possible starts; `None` means the duration.
    pub interval_minutes: Option<i32>,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub minimum_notice_minutes: i32,
    pub booking_window: BookingWindow,
    pub max_per_day: Option<i32>,
    pub max_per_week: Option<i32>,
    pub seats: i32,
    pub requires_confirmation: bool,
    /// Not listed on public pages; bookable by its link.
    pub hidden: bool,
    pub locations: Vec<Location>,
    pub questions: Vec<Question>,
    /// `None`: the owner's default schedule.
    pub schedule_id: Option<ScheduleId>,
}

/// A single-use booking link, as its host sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SingleUseLink {
    pub id: crate::ids::LinkId,
    pub event_type_id: EventTypeId,
    pub created_at: Timestamp,
    pub used_at: Option<Timestamp>,
    pub booking_id: Option<crate::ids::BookingId>,
}
