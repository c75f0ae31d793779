//! Request extractors that fail with problem+json.

pub(crate) mod auth;
mod client_addr;
mod json;
mod params;

pub use auth::{AuthConfig, Authenticated};
pub use client_addr::ClientAddr;
pub use json::ApiJson;
pub(crate) use json::{body_rejection, with_field};
pub(crate) use params::in_range;
pub use params::{ApiPath, ApiQuery};
