#![forbid(unsafe_code)]
//! Availability engine.
