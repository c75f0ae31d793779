#![forbid(unsafe_code)]
//! Calendar protocol adapters: CalDAV and ICS-feed clients, Google and Microsoft APIs. They
//! take credentials and return events; no database.
