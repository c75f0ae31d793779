#![forbid(unsafe_code)]
//! Durable background work on the jobs table: claim with a lease, retry with backoff, dead
//! letters. Knows nothing of what a job does.
