//! The background work this application does, by job kind, for `jobs::Worker`.

use std::time::Duration;

use jobs::Handlers;
use notify::email::Mailer;
use notify::sms::Sms;
use store::Db;
use store::repo::jobs::{
    BOOKING_EVENT_JOB, CALENDAR_WRITEBACK_JOB, FOLLOW_UP_JOB, HOST_REMINDER_JOB, REMINDER_JOB,
};
use store::repo::webhooks::DELIVER_JOB;
use store::repo::workflows;

use crate::account_mail::ACCOUNT_EMAIL_JOB;
use crate::booking_mail::EMAIL_JOB;
use crate::calendar_sync::CALENDAR_SYNC_JOB;
use crate::owner_notices::NOTICE_JOB;
use crate::resource_release::ReleaseHandler;
use crate::resources::RELEASE_JOB;

use crate::calendar_jobs::{SyncHandler, WritebackHandler};
use crate::calendar_sync::CalendarContext;
use crate::messages::{
    AccountEmailHandler, BookingEventHandler, EmailHandler, Mail, NoticeHandler,
    ScheduledMessageHandler,
};
use crate::sms::{SMS_JOB, SmsHandler};
use crate::webhooks::{DeliverHandler, RETRY_SCHEDULE};
use crate::workflows::RunHandler;

/// How messages leave: e-mail (logged without a mailer) and text messages (logged failed
/// without a provider), and where the links in e-mails lead.
#[derive(Clone, Debug, Default)]
pub struct Senders {
    pub mailer: Option<Mailer>,
    pub sms: Option<Sms>,
    /// The base of links in e-mails, without a trailing slash: `public_url`, or the
    /// server's own `http://` address when it is unset (empty: links relative to nothing,
    /// for workers that never send account or booking e-mails).
    pub public_url: String,
}

/// Every job kind and its handler.
pub fn handlers(
    db: &Db,
    outbound: &outbound::Client,
    calendars: &CalendarContext,
    senders: Senders,
) -> Handlers {
    handlers_with_retries(db, outbound, calendars, senders, &RETRY_SCHEDULE)
}

/// Like [`handlers`], with webhook retries waiting on `webhook_retries` instead of the
/// three-day schedule (tests).
pub fn handlers_with_retries(
    db: &Db,
    outbound: &outbound::Client,
    calendars: &CalendarContext,
    senders: Senders,
    webhook_retries: &[Duration],
) -> Handlers {
    let Senders {
        mailer,
        sms,
        public_url,
    } = senders;
    let mail = Mail { mailer, public_url };
    let workflow_runs = RunHandler {
        db: db.clone(),
        outbound: outbound.clone(),
        keys: calendars.keys.clone(),
        mailer: mail.mailer.clone(),
        sms: sms.clone(),
    };
    Handlers::new()
        .on(
            CALENDAR_WRITEBACK_JOB,
            WritebackHandler {
                db: db.clone(),
                calendars: calendars.clone(),
            },
        )
        .on(
            CALENDAR_SYNC_JOB,
            SyncHandler {
                db: db.clone(),
                calendars: calendars.clone(),
            },
        )
        .on(
            NOTICE_JOB,
            NoticeHandler {
                db: db.clone(),
                mailer: mail.mailer.clone(),
            },
        )
        .on(
            ACCOUNT_EMAIL_JOB,
            AccountEmailHandler {
                db: db.clone(),
                mail: mail.clone(),
                keys: calendars.keys.clone(),
            },
        )
        .on(
            EMAIL_JOB,
            EmailHandler {
                db: db.clone(),
                mail,
                sms_configured: sms.is_some(),
                keys: calendars.keys.clone(),
            },
        )
        .on(
            SMS_JOB,
            SmsHandler {
                db: db.clone(),
                sms,
            },
        )
        .on(BOOKING_EVENT_JOB, BookingEventHandler { db: db.clone() })
        .on(RELEASE_JOB, ReleaseHandler { db: db.clone() })
        .on(workflows::RUN_JOB, workflow_runs.clone())
        .on(workflows::SCHEDULED_JOB, workflow_runs)
        .on(REMINDER_JOB, ScheduledMessageHandler { db: db.clone() })
        .on(
            HOST_REMINDER_JOB,
            ScheduledMessageHandler { db: db.clone() },
        )
        .on(FOLLOW_UP_JOB, ScheduledMessageHandler { db: db.clone() })
        .on(
            DELIVER_JOB,
            DeliverHandler {
                db: db.clone(),
                outbound: outbound.clone(),
                keys: calendars.keys.clone(),
                retries: webhook_retries.into(),
            },
        )
}
