//! Request extractors that fail with problem+json.

pub(crate) mod auth;
mod json;
mod params;

pub use auth::{AuthConfig, Authenticated, ClientAddr};
pub use json::ApiJson;
pub use params::{ApiPath, ApiQuery};
