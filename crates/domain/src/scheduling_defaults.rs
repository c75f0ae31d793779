/// Applied to an event type's fields its author leaves out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SchedulingDefaults {
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub minimum_notice_minutes: i32,
    /// `None`: starts every event's own duration.
    pub interval_minutes: Option<i32>,
}
