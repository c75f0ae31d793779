#![forbid(unsafe_code)]
//! iCalendar (RFC 5545) reading and writing, RRULE expansion, iTIP messages, VFREEBUSY and
//! VAVAILABILITY. Ground floor: no I/O, no database.
