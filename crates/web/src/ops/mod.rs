//! Operational endpoints: health, readiness, metrics, API documentation.

pub mod docs;
pub mod health;
