//! Ids and instants: the values every entity is keyed and timed by.
//!
//! Each id is its own type over a [`Uuid`], so an organization id cannot be passed where a
//! user id is expected. [`Timestamp`] is an instant at millisecond precision, the precision
//! both databases keep.

use serde::{Deserialize, Serialize};
pub use uuid::Uuid;

/// An instant in UTC at millisecond precision.
///
/// Millisecond precision is what SQLite stores, so every value is truncated on the way in:
/// a value read back is equal to the value written, on either backend.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(jiff::Timestamp);

impl Timestamp {
    /// The current instant, truncated to the millisecond.
    pub fn now() -> Self {
        Self::truncate(jiff::Timestamp::now())
    }

    /// Milliseconds since the Unix epoch.
    pub fn as_millisecond(self) -> i64 {
        self.0.as_millisecond()
    }

    /// The instant `ms` milliseconds after the Unix epoch, if jiff can represent it.
    pub fn from_millisecond(ms: i64) -> Result<Self, jiff::Error> {
        jiff::Timestamp::from_millisecond(ms).map(Self)
    }

    /// The jiff value, for arithmetic and formatting.
    pub fn to_jiff(self) -> jiff::Timestamp {
        self.0
    }

    /// `self + d`, clamped to jiff's range (a far-future expiry is not an error).
    pub fn plus(self, d: jiff::SignedDuration) -> Self {
        let far = if d.is_negative() {
            jiff::Timestamp::MIN
        } else {
            jiff::Timestamp::MAX
        };
        Self::truncate(self.0.checked_add(d).unwrap_or(far))
    }

    fn truncate(ts: jiff::Timestamp) -> Self {
        // from_millisecond of as_millisecond of a valid timestamp is always in range.
        Self(jiff::Timestamp::from_millisecond(ts.as_millisecond()).unwrap_or(ts))
    }
}

impl From<jiff::Timestamp> for Timestamp {
    fn from(ts: jiff::Timestamp) -> Self {
        Self::truncate(ts)
    }
}

impl std::fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

/// Declares a typed id over [`Uuid`], so an organization id cannot be passed where a user id
/// is expected. Stored as `UUID` on PostgreSQL and a 16-byte `BLOB` on SQLite (sqlx's own
/// `Uuid` mapping, reached through `#[sqlx(transparent)]`).
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
        #[serde(transparent)]
        #[cfg_attr(feature = "sqlx", sqlx(transparent))]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered (v7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

typed_id!(
    /// Identifies an organization, the tenant every other row belongs to.
    OrganizationId
);
typed_id!(
    /// Identifies a user within an organization.
    UserId
);
typed_id!(
    /// Identifies an API key within an organization.
    ApiKeyId
);
typed_id!(
    /// Identifies an audit log entry.
    AuditId
);
typed_id!(
    /// Identifies a job.
    JobId
);
typed_id!(
    /// Identifies a web session.
    SessionId
);
typed_id!(
    /// Identifies a custom role.
    RoleId
);
typed_id!(
    /// Identifies a team.
    TeamId
);
typed_id!(
    /// Identifies an e-mailed one-time token (invitation, verification, reset).
    AccountTokenId
);
typed_id!(
    /// Identifies a weekly schedule.
    ScheduleId
);
typed_id!(
    /// Identifies a blocked period.
    BlockedTimeId
);
typed_id!(
    /// Identifies an event type.
    EventTypeId
);
typed_id!(
    /// Identifies a booking; its public `uid`.
    BookingId
);
typed_id!(
    /// Identifies one attendee (seat) of a booking.
    AttendeeId
);
typed_id!(
    /// Identifies a contact (someone who booked a host).
    ContactId
);
typed_id!(
    /// Identifies a single-use booking link.
    LinkId
);
typed_id!(
    /// Identifies a webhook subscription.
    WebhookSubscriptionId
);
typed_id!(
    /// Identifies one event's delivery to one webhook subscription.
    WebhookDeliveryId
);
typed_id!(
    /// Identifies one attempt at a webhook delivery.
    WebhookAttemptId
);
typed_id!(
    /// Identifies a routing form.
    RoutingFormId
);
typed_id!(
    /// Identifies one submission of a routing form.
    SubmissionId
);
typed_id!(
    /// Identifies a calendar connection (a CalDAV account or an ICS feed).
    CalendarConnectionId
);
typed_id!(
    /// Identifies a calendar of a connection.
    CalendarId
);
typed_id!(
    /// Identifies one sync attempt in the integration log.
    IntegrationLogId
);
typed_id!(
    /// Identifies a user's secret bookings feed URL.
    FeedTokenId
);
typed_id!(
    /// Identifies a workflow.
    WorkflowId
);
typed_id!(
    /// Identifies one run of a workflow for one booking.
    WorkflowRunId
);

/// How instants are stored: INTEGER epoch milliseconds on SQLite (text would not sort), and
/// TIMESTAMPTZ on PostgreSQL. Store's `types` module explains the column kinds.
#[cfg(feature = "sqlx")]
mod codec {
    use super::Timestamp;
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::postgres::types::Oid;
    use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueFormat, PgValueRef, Postgres};
    use sqlx::sqlite::{Sqlite, SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
    use sqlx::{Decode, Encode, Type};

    // --- SQLite: INTEGER milliseconds since the Unix epoch -------------------------------------

    impl Type<Sqlite> for Timestamp {
        fn type_info() -> SqliteTypeInfo {
            <i64 as Type<Sqlite>>::type_info()
        }

        fn compatible(ty: &SqliteTypeInfo) -> bool {
            <i64 as Type<Sqlite>>::compatible(ty)
        }
    }

    impl Encode<'_, Sqlite> for Timestamp {
        fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
            Encode::<Sqlite>::encode(self.as_millisecond(), buf)
        }
    }

    impl<'r> Decode<'r, Sqlite> for Timestamp {
        fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
            let ms = <i64 as Decode<Sqlite>>::decode(value)?;
            Ok(Self::from_millisecond(ms)?)
        }
    }

    // --- PostgreSQL: TIMESTAMPTZ (binary: microseconds since 2000-01-01T00:00:00Z) -------------

    /// TIMESTAMPTZ's OID is fixed in PostgreSQL's catalog, so no lookup is needed.
    const TIMESTAMPTZ_OID: Oid = Oid(1184);
    /// Microseconds from the Unix epoch to PostgreSQL's epoch, 2000-01-01T00:00:00Z.
    const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

    impl Type<Postgres> for Timestamp {
        fn type_info() -> PgTypeInfo {
            PgTypeInfo::with_oid(TIMESTAMPTZ_OID)
        }
    }

    impl Encode<'_, Postgres> for Timestamp {
        fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
            let micros = self.0.as_microsecond() - PG_EPOCH_MICROS;
            Encode::<Postgres>::encode(micros, buf)
        }
    }

    impl<'r> Decode<'r, Postgres> for Timestamp {
        fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
            match value.format() {
                PgValueFormat::Binary => {
                    let micros = <i64 as Decode<Postgres>>::decode(value)?;
                    let ts = jiff::Timestamp::from_microsecond(micros + PG_EPOCH_MICROS)?;
                    Ok(Self::from(ts))
                }
                // Text appears only for simple (unprepared) queries: "2024-05-01 12:00:00.123+00".
                PgValueFormat::Text => {
                    let ts: jiff::Timestamp = value.as_str()?.parse()?;
                    Ok(Self::from(ts))
                }
            }
        }
    }
}
typed_id!(
    /// Identifies a bookable resource: a room, a piece of equipment, a space, a workshop.
    ResourceId
);
typed_id!(
    /// Identifies a group of resources (a building, a floor).
    ResourceGroupId
);
typed_id!(
    /// Identifies a reservation of one or more resources.
    ReservationId
);
typed_id!(
    /// Identifies a quota on reservations.
    ResourceQuotaId
);
typed_id!(
    /// Identifies a blackout over resources.
    BlackoutId
);
typed_id!(
    /// Identifies an entry of the resource conflict log.
    ResourceConflictId
);
