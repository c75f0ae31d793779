#![forbid(unsafe_code)]
//! Message adapters: SMTP with iMIP, SMS providers, webhook delivery and signing, template
//! rendering. No database.

pub mod webhook;
