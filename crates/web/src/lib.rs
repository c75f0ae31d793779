#![forbid(unsafe_code)]
//! The HTTP layer: axum routes, auth extractors, problem+json errors, OpenAPI.
//!
//! A request walks: request-id → trace span → timeout → panic guard → metrics → body limit →
//! route → extractors (auth yields the tenant [`services::Scope`], JSON bodies are parsed with
//! field-naming errors) → one `services` call → a JSON body or a problem+json error.

mod api;
mod app;
mod extract;
mod input_guard;
mod metrics;
mod openapi;
mod ops;
mod pages;
pub mod problem;
pub mod request_log;
mod security_headers;
mod state;

pub use app::{HttpConfig, openapi, router, serve};
pub use extract::AuthConfig;
