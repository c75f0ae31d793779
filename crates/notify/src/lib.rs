#![forbid(unsafe_code)]
//! Message adapters: SMTP with iMIP, webhook delivery and signing, template rendering. No
//! database.

pub mod email;
pub mod imip;
pub mod templates;
pub mod webhook;
