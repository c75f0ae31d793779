//! Request extractors that fail with problem+json.

mod auth;
mod client_addr;
mod json;
mod params;

pub use auth::{AuthConfig, Authenticated};
pub use client_addr::ClientAddr;
pub use json::ApiJson;
pub use params::{ApiPath, ApiQuery};
