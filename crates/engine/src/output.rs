//! Writes the `rendezvous slots` answer (ENGINE.md, "Output").

use std::fmt::Write as _;

use crate::model::SlotRequest;
use crate::slots::Slots;

/// `{"slots":[{"start":…,"end":…,"hosts":[…],"seats_left":…},…]}`, instants in UTC with
/// seconds, hosts by id.
pub fn slots_to_json(request: &SlotRequest, slots: &Slots) -> String {
    let ids: Vec<String> = request
        .hosts
        .iter()
        .map(|h| serde_json::Value::from(h.id.as_str()).to_string())
        .collect();
    let mut out = String::with_capacity(16 + slots.len() * 96);
    out.push_str("{\"slots\":[");
    let mut buf = [0u8; 20];
    for (n, slot) in slots.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str("{\"start\":\"");
        out.push_str(slot.start.write_utc(&mut buf).unwrap_or_default());
        out.push_str("\",\"end\":\"");
        out.push_str(slot.end.write_utc(&mut buf).unwrap_or_default());
        out.push_str("\",\"hosts\":[");
        for (i, &host) in slot.hosts.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&ids[host as usize]);
        }
        let _ = write!(out, "],\"seats_left\":{}}}", slot.seats_left);
    }
    out.push_str("]}");
    out
}
