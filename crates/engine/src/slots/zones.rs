//! The zones of one request, each read from jiff once: a table of its offsets over the time the
//! computation looks at, shared by every host in that zone.

use std::ops::Range;

use jiff::tz::TimeZone;

use crate::model::SlotRequest;
use crate::zone::{Segment, ZoneCursor, push_segments};

/// Which of the request's zones a table was read from.
#[derive(Clone, Copy, Debug)]
enum Source {
    Event,
    Host(usize),
}

#[derive(Debug)]
struct Table {
    source: Source,
    segments: Range<usize>,
}

#[derive(Debug, Default)]
pub(super) struct Zones {
    segments: Vec<Segment>,
    tables: Vec<Table>,
    /// Tables of named zones, sorted by name: a zone is shared by name, as the request spells
    /// zones by name, so a name stands for one set of rules.
    by_name: Vec<u32>,
    event: u32,
    of_host: Vec<u32>,
}

impl Zones {
    /// Reads the offsets of every zone of `request` over `[from, to)`.
    pub(super) fn read(&mut self, request: &SlotRequest, from: i64, to: i64) {
        self.segments.clear();
        self.tables.clear();
        self.by_name.clear();
        self.of_host.clear();
        self.event = self.table_of(request, Source::Event, from, to);
        for index in 0..request.hosts.len() {
            let table = match index.checked_sub(1) {
                // Neighbours often share a zone: skip the search.
                Some(previous)
                    if same_name(
                        &request.hosts[previous].timezone,
                        &request.hosts[index].timezone,
                    ) =>
                {
                    self.of_host[previous]
                }
                _ => self.table_of(request, Source::Host(index), from, to),
            };
            self.of_host.push(table);
        }
    }

    fn table_of(&mut self, request: &SlotRequest, source: Source, from: i64, to: i64) -> u32 {
        let tz = zone(request, source);
        let place = tz.iana_name().map(|name| {
            self.by_name.binary_search_by(|&t| {
                let other = zone(request, self.tables[t as usize].source);
                other.iana_name().unwrap_or_default().cmp(name)
            })
        });
        if let Some(Ok(found)) = place {
            return self.by_name[found];
        }
        let index = self.tables.len() as u32;
        let first = self.segments.len();
        push_segments(tz, from, to, &mut self.segments);
        self.tables.push(Table {
            source,
            segments: first..self.segments.len(),
        });
        if let Some(Err(at)) = place {
            self.by_name.insert(at, index);
        }
        index
    }

    pub(super) fn event_cursor<'a>(&'a self, request: &'a SlotRequest) -> ZoneCursor<'a> {
        self.cursor(&request.event.timezone, self.event)
    }

    pub(super) fn host_cursor<'a>(
        &'a self,
        request: &'a SlotRequest,
        host: usize,
    ) -> ZoneCursor<'a> {
        self.cursor(&request.hosts[host].timezone, self.of_host[host])
    }

    /// The table a host's zone was read into: hosts with the same table are in one zone.
    pub(super) fn table_of_host(&self, host: usize) -> u32 {
        self.of_host[host]
    }

    fn cursor<'a>(&'a self, tz: &'a TimeZone, table: u32) -> ZoneCursor<'a> {
        let segments = self.tables[table as usize].segments.clone();
        ZoneCursor::with_table(tz, &self.segments[segments])
    }
}

fn zone(request: &SlotRequest, source: Source) -> &TimeZone {
    match source {
        Source::Event => &request.event.timezone,
        Source::Host(index) => &request.hosts[index].timezone,
    }
}

fn same_name(a: &TimeZone, b: &TimeZone) -> bool {
    a.iana_name().is_some() && a.iana_name() == b.iana_name()
}
