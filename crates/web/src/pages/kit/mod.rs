//! The page kit: what the dashboard's pages are built from, kept apart from any one page so
//! the pages depend on it and not on each other. One job per file: the frame around every
//! dashboard page (`chrome`), and a service's refusal shown next to a form's fields
//! (`form_errors`).

mod chrome;
mod form_errors;

pub(crate) use chrome::{Chrome, chrome, private_page};
pub(crate) use form_errors::{FieldErrors, field_errors, field_of, sentence};
