//! Request extractors that fail with problem+json.

mod auth;
mod json;

pub use auth::{AuthConfig, Authenticated, ClientAddr};
pub use json::ApiJson;
