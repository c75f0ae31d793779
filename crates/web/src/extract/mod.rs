//! Request extractors that fail with problem+json.

mod auth;
mod json;

pub use auth::Authenticated;
pub use json::ApiJson;
