#![forbid(unsafe_code)]
//! Use cases: book, reschedule, confirm, sync, deliver. Each opens the transaction, asks the
//! engine, writes through the store and queues work.
