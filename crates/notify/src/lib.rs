#![forbid(unsafe_code)]
//! Message adapters: SMTP with iMIP, SMS providers, webhook signing, template rendering. No
//! database.

pub mod email;
pub mod imip;
pub mod sms;
pub mod templates;
pub mod webhook;
