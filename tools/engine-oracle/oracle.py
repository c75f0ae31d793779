#!/usr/bin/env python3
"""Independent reference implementation ("oracle") of /work/shared/ENGINE.md.

Reads one input JSON document on stdin (or from the file named as the only
argument), prints the output JSON document on stdout and exits 0; on invalid
input prints nothing on stdout, one `error: PATH: REASON` line per problem on
stderr (document order) and exits 2.  Exit 3 means "the oracle cannot compute
this valid-looking input" (dates outside Python's datetime range, years 0000 or
near 9999); a differential harness should skip such cases.

Python 3.11 standard library only; written for clarity, not speed.

AMBIGUITIES IN ENGINE.md AND THE READING TAKEN HERE
====================================================
Syntax / validation
  A1. Invalid JSON (syntax error, trailing garbage, empty input, BOM) and a
      root that is not an object: exit 2 with one line whose PATH is `$`
      (the contract does not name the root).  Compare only the exit code.
  A2. Duplicate keys in one JSON object are invalid input; the error names
      the later occurrence (`event.duration: duplicate key`); its value is
      not examined further.
  A3. "Integer" means a JSON number literal without fraction or exponent
      (`30.0`, `3e1` are invalid: "All durations are whole minutes" is read
      as a type, not a value).  `-0` is the integer 0.  Integers have no upper
      bound beyond those the contract states (`attendees`, `max_per_day`,
      `max_per_week`, `booking_window_days` accept arbitrarily large values).
  A4. Booleans are only `true`/`false` (no 0/1, no strings).
  A5. RFC 3339 instants: `YYYY-MM-DDTHH:MM:SS` + optional fraction of zeros +
      `Z` or `+HH:MM`/`-HH:MM`.  `T`/`Z` may be lower case (RFC 3339 ABNF is
      case-insensitive); a space separator is rejected; second 60 (leap
      second) is rejected; `-00:00` is accepted as UTC; offset hours 00-23,
      minutes 00-59; year 0000-9999.
  A6. Time-zone names: exactly the Zone and Link names of the system tz
      database (/usr/share/zoneinfo/tzdata.zi; `Factory`, `EST5EDT`,
      `US/Eastern`, `Etc/GMT+5` are valid; `localtime`, `posixrules`,
      `posix/...`, `right/...` are not).  Case-sensitive.
  A7. `range.start`, `range.end`, and each busy/booking `start`/`end` are
      required although the "Required" list omits them (no default exists).
  A8. `null` for a required field is reported like a missing field (same
      PATH).  `null` for a weekday key (`"mon": null`) means the day is absent
      (no hours).  `null` as an override value (`"2026-03-30": null`) means
      the date has no override (weekly hours apply) -- NOT a day off.  `null`
      inside a pair or as a list element is invalid.
  A9. A local-time pair must be a JSON array of exactly two strings; a wrong
      length or non-array names the pair, a bad string names the element
      (`...mon[1][0]`), `24:00` as a start names the element, start >= end
      names the pair.  An override value must be a list of pairs (an empty
      list is a day off).
  A10. Override keys: exactly `YYYY-MM-DD`, a real proleptic-Gregorian date,
      years 0000-9999 accepted (year 0000 is a leap year).  A bad key is
      named as `hosts[i].overrides.KEY`.
  A11. Host ids: any JSON string, the empty string included; uniqueness is by
      exact string equality.  Strings with lone surrogates are invalid.
  A12. Error positions ("document order"): an error about a value is at the
      value's first character; an unknown/duplicate key at the key; a missing
      field and any rule between fields of an object ("by the object that
      breaks it") at that object's closing brace, so they follow the errors
      inside the object; missing fields come in schema order (now, range,
      event, hosts; start, end; kind, duration; id, timezone).  The host-count
      rule and "single needs exactly one host" are both named `hosts` and
      placed at the closing `]` of `hosts`; at most one `hosts` error is
      emitted (1..1000 is checked first).  "seats > 1 only with single" is
      named `event` at the closing `}` of `event`.  The five-year rule is at
      the `range.end` value; `range.start < range.end` and the 366-day rule
      are named `range` at the closing `}` of `range` (366 is only checked
      when start < end).
  A13. Cross-field rules are only checked when every field they use is valid
      (e.g. no five-year error if `now` is invalid; no seats/kind error if
      `kind` is invalid).  "single needs exactly one host" is checked only
      when kind is valid.
  A14. "Range at most 366 days" = range.end - range.start <= 366 x 24 h of
      elapsed time.
  A15. "Ending at most 5 years after now (calendar years, UTC)": limit = now
      in UTC with the year + 5, Feb 29 -> Feb 28 when the target year is not
      a leap year; range.end <= limit is valid (inclusive).  If the year
      would exceed 9999 there is no limit.
  A16. Only one error per value (a wrong type is not also range-checked).
Semantics
  S1. Compatible rule implemented directly: a local time valid once -> that
      instant; twice -> the earlier; never (gap) -> local time + gap length,
      i.e. local - (offset before the transition).  `24:00` of date D is
      00:00 of D+1 under the same rule.
  S2. Windows whose start instant >= end instant are dropped before merging.
      Merging (overlap or touch) is over the merged set of all dates; windows
      are never clipped to their local date.
  S3. Free time = merged working hours minus the union of all blocks; the
      maximal intervals of that set are the "free intervals F".  For
      collective, F are the maximal intervals of the intersection.
  S4. "Rounded up to a whole minute" is in UTC/epoch seconds (identical to
      local whole minutes for every whole-minute offset).  The grid step then
      takes the first whole UTC minute m >= that value whose local minute of
      the hour, floor((m + offset(m)) / 60) mod 60 in event.timezone, is
      divisible by g.  "Up to" includes the value itself when it already
      qualifies.  Only matters with second-level LMT offsets (pre-1900).
  S5. The minimum-notice bound `now + minimum_notice` keeps now's seconds
      (e.g. now 12:00:30 + 0 -> first start 12:01 or later on the grid).
  S6. Booking window: start < now + days x 86400 s (now's seconds kept);
      days = 0 means no start at all.  Applies to rule-5 starts and to joins.
  S7. max_per_day / max_per_week: count of same_event bookings (all bookings
      in the document, past or future, any length) whose start falls on the
      host-local date / ISO week (Mon-Sun) of the candidate start, the
      candidate start's date also taken in the HOST's zone (not
      event.timezone).  Blocked when count >= limit; limit 0 blocks all new
      starts.  Round robin: a host over its limit is left out of that start's
      host list (the start disappears when no host is left).
  S8. Seats (rule 7): bookings starting at the same instant s are grouped
      (exact instant equality, whole seconds -- a join start may have
      seconds).  Only same_event bookings are summed and exempt; a
      non-same_event booking at s still blocks.  The check is [s, s+duration)
      inside ONE merged working window, no overlap (half-open) with any busy
      block or with any booking block other than the grouped bookings'
      blocks; s >= now + minimum_notice; booking window; range.  Joins are
      not put on the rule-5 grid.  A join start can never coincide with a
      rule-5 start (a booking always blocks its own start instant).
  S9. With seats == 1 no join is possible (attendees >= 1).  seats_left is
      `seats` for every rule-5 start (1 for collective/round_robin).
  S10. Output: `{"slots": [...]}`, compact JSON; a start listed once.
  S11. Host-local "date" for limits uses the wall-clock date of the instant
      (during a fold the date is unambiguous anyway).
  S12. The start grid (rule 5) is always in event.timezone, also for
      round_robin/collective hosts in other zones; for round_robin each host's
      free intervals anchor their own grids (a start is listed with every host
      whose own grid produced it).
  S13. "Each booking entry counts once": two entries with the same start count
      twice toward max_per_day/max_per_week, whatever their attendees.
  S14. A seat join [s, s+duration) gets no buffers of its own; the event's
      buffers only enter through the other busy/booking blocks (rule 2), i.e.
      "count once".  A join need not lie in FREE time, only inside working
      hours and outside the other blocks; it need not be on the grid.
  S15. Instants of busy/bookings/now/range are not otherwise bounded: a range
      wholly in the past, or a range.start long before now, is valid (and
      yields only what rule 5 allows, i.e. nothing before now + notice).
  S16. A gap at local midnight makes `24:00` of the day before and `00:00`
      land on the same (shifted) instant, so such windows still touch/merge.
"""
import json
import re
import sys
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
DAY = 86400
MAX_HOSTS = 1000
MINUTES_MAX = 525600
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Unsupported(Exception):
    """Input is valid but outside what this oracle can compute."""


# --------------------------------------------------------------------------
# Civil-date arithmetic (so instants of any 4-digit year parse).
# --------------------------------------------------------------------------
def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def days_in_month(y, m):
    return [31, 29 if is_leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def fmt_instant(ts):
    days, secs = divmod(ts, DAY)
    y, m, d = civil_from_days(days)
    if not 0 <= y <= 9999:
        raise Unsupported("instant out of 4-digit years")
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (y, m, d, secs // 3600, secs // 60 % 60, secs % 60)


# --------------------------------------------------------------------------
# A small JSON parser that keeps source positions (for document order).
# --------------------------------------------------------------------------
class Node:
    __slots__ = ("kind", "value", "start", "end")

    def __init__(self, kind, value, start, end):
        self.kind = kind  # object array string int float bool null
        self.value = value  # object: list of (key, keypos, Node)
        self.start = start
        self.end = end  # position of the last character


class JSONError(Exception):
    pass


_WS = " \t\n\r"
_NUM = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


class Parser:
    def __init__(self, text):
        self.t = text
        self.i = 0

    def ws(self):
        while self.i < len(self.t) and self.t[self.i] in _WS:
            self.i += 1

    def parse(self):
        self.ws()
        n = self.value()
        self.ws()
        if self.i != len(self.t):
            raise JSONError("trailing characters at offset %d" % self.i)
        return n

    def value(self):
        t, i = self.t, self.i
        if i >= len(t):
            raise JSONError("unexpected end of input")
        c = t[i]
        if c == "{":
            return self.obj()
        if c == "[":
            return self.arr()
        if c == '"':
            s = self.string()
            return Node("string", s, i, self.i - 1)
        for lit, kind, val in (("true", "bool", True), ("false", "bool", False), ("null", "null", None)):
            if t.startswith(lit, i):
                self.i = i + len(lit)
                return Node(kind, val, i, self.i - 1)
        m = _NUM.match(t, i)
        if m and m.end() > i:
            self.i = m.end()
            if m.group(2) or m.group(3):
                return Node("float", m.group(0), i, self.i - 1)
            return Node("int", int(m.group(0)), i, self.i - 1)
        raise JSONError("unexpected character at offset %d" % i)

    def string(self):
        t = self.t
        i = self.i + 1
        out = []
        while True:
            if i >= len(t):
                raise JSONError("unterminated string")
            c = t[i]
            if c == '"':
                break
            if c == "\\":
                i += 1
                if i >= len(t):
                    raise JSONError("unterminated string")
                e = t[i]
                if e in '"\\/':
                    out.append(e)
                elif e in "bfnrt":
                    out.append({"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}[e])
                elif e == "u":
                    h = t[i + 1:i + 5]
                    if not re.fullmatch(r"[0-9a-fA-F]{4}", h):
                        raise JSONError("bad \\u escape")
                    out.append(chr(int(h, 16)))
                    i += 4
                else:
                    raise JSONError("bad escape")
                i += 1
                continue
            if ord(c) < 0x20:
                raise JSONError("control character in string")
            out.append(c)
            i += 1
        self.i = i + 1
        s = "".join(out)
        # combine surrogate pairs; lone surrogates are invalid
        try:
            s = s.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise JSONError("lone surrogate in string")
        return s

    def obj(self):
        start = self.i
        self.i += 1
        items = []
        self.ws()
        if self.i < len(self.t) and self.t[self.i] == "}":
            self.i += 1
            return Node("object", items, start, self.i - 1)
        while True:
            self.ws()
            if self.i >= len(self.t) or self.t[self.i] != '"':
                raise JSONError("expected key at offset %d" % self.i)
            kpos = self.i
            k = self.string()
            self.ws()
            if self.i >= len(self.t) or self.t[self.i] != ":":
                raise JSONError("expected ':' at offset %d" % self.i)
            self.i += 1
            self.ws()
            items.append((k, kpos, self.value()))
            self.ws()
            if self.i < len(self.t) and self.t[self.i] == ",":
                self.i += 1
                continue
            if self.i < len(self.t) and self.t[self.i] == "}":
                self.i += 1
                return Node("object", items, start, self.i - 1)
            raise JSONError("expected ',' or '}' at offset %d" % self.i)

    def arr(self):
        start = self.i
        self.i += 1
        items = []
        self.ws()
        if self.i < len(self.t) and self.t[self.i] == "]":
            self.i += 1
            return Node("array", items, start, self.i - 1)
        while True:
            self.ws()
            items.append(self.value())
            self.ws()
            if self.i < len(self.t) and self.t[self.i] == ",":
                self.i += 1
                continue
            if self.i < len(self.t) and self.t[self.i] == "]":
                self.i += 1
                return Node("array", items, start, self.i - 1)
            raise JSONError("expected ',' or ']' at offset %d" % self.i)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------
INVALID = object()  # a present but invalid value
ABSENT = object()  # missing or null

_TZ_NAMES = None


def tz_names():
    global _TZ_NAMES
    if _TZ_NAMES is None:
        names = set()
        try:
            with open("/usr/share/zoneinfo/tzdata.zi", encoding="utf-8") as f:
                for line in f:
                    p = line.split()
                    if len(p) >= 2 and p[0] == "Z":
                        names.add(p[1])
                    elif len(p) >= 3 and p[0] == "L":
                        names.add(p[2])
        except OSError:
            import zoneinfo

            names = set(zoneinfo.available_timezones()) - {"localtime", "posixrules"}
        _TZ_NAMES = names
    return _TZ_NAMES


_INSTANT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)
_HHMM = re.compile(r"(\d{2}):(\d{2})")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_instant(s):
    """RFC 3339 string -> epoch seconds, or None."""
    m = _INSTANT.fullmatch(s)
    if not m:
        return None
    y, mo, d, hh, mi, ss = (int(m.group(k)) for k in range(1, 7))
    frac = m.group(7)
    if frac is not None and frac.strip("0"):
        return None
    if not (1 <= mo <= 12 and 1 <= d <= days_in_month(y, mo) and hh <= 23 and mi <= 59 and ss <= 59):
        return None
    off = 0
    if m.group(8) is None:
        oh, om = int(m.group(10)), int(m.group(11))
        if oh > 23 or om > 59:
            return None
        off = (oh * 3600 + om * 60) * (1 if m.group(9) == "+" else -1)
    return days_from_civil(y, mo, d) * DAY + hh * 3600 + mi * 60 + ss - off


def parse_hhmm(s, allow_2400):
    m = _HHMM.fullmatch(s)
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2))
    if h == 24 and mi == 0 and allow_2400:
        return 1440
    if h <= 23 and mi <= 59:
        return h * 60 + mi
    return None


def parse_date_key(s):
    m = _DATE.fullmatch(s)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= days_in_month(y, mo)):
        return None
    return (y, mo, d)


class Validator:
    def __init__(self):
        self.errors = []

    def err(self, pos, path, reason):
        self.errors.append((pos, len(self.errors), path, reason))

    # ---- generic helpers --------------------------------------------------
    def fields(self, node, path, schema, required):
        """Check an object's keys.  Returns {key: Node} of present, non-null,
        non-duplicate known keys, or None if node is not an object."""
        if node.kind != "object":
            self.err(node.start, path, "must be an object")
            return None
        seen = {}
        for key, kpos, child in node.value:
            kp = "%s.%s" % (path, key) if path else key
            if key in seen:
                self.err(kpos, kp, "duplicate key")
                continue
            seen[key] = True
            if key not in schema:
                self.err(kpos, kp, "unknown key")
                continue
            if child.kind == "null":
                continue
            seen[key] = child
        present = {k: v for k, v in seen.items() if v is not True}
        # required fields: missing or null
        for key in required:
            if key not in present:
                kp = "%s.%s" % (path, key) if path else key
                null_node = next((c for k, _, c in node.value if k == key and c.kind == "null"), None)
                self.err(null_node.start if null_node is not None else node.end, kp, "missing field")
        return present

    def integer(self, node, path, lo, hi):
        if node.kind != "int":
            self.err(node.start, path, "must be an integer")
            return INVALID
        v = node.value
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            if hi is None:
                self.err(node.start, path, "must be at least %d" % lo)
            else:
                self.err(node.start, path, "must be between %d and %d" % (lo, hi))
            return INVALID
        return v

    def instant(self, node, path):
        if node.kind != "string":
            self.err(node.start, path, "must be an RFC 3339 string")
            return INVALID
        v = parse_instant(node.value)
        if v is None:
            self.err(node.start, path, "invalid RFC 3339 instant %s" % json.dumps(node.value))
            return INVALID
        return v

    def tz(self, node, path):
        if node.kind != "string":
            self.err(node.start, path, "must be a time zone name")
            return INVALID
        if node.value not in tz_names():
            self.err(node.start, path, "unknown time zone %s" % json.dumps(node.value))
            return INVALID
        return node.value

    def opt(self, present, key, fn, *args, default=ABSENT):
        """Validate optional field; ABSENT -> default."""
        if key not in present:
            return default
        return fn(present[key], *args)

    # ---- document -----------------------------------------------------------
    def document(self, root):
        if root.kind != "object":
            self.err(root.start, "$", "the document must be a JSON object")
            return None
        f = self.fields(root, "", {"now", "range", "event", "hosts"}, ("now", "range", "event", "hosts"))
        doc = {}
        doc["now"] = self.instant(f["now"], "now") if "now" in f else ABSENT
        doc["range"] = self.range_(f["range"]) if "range" in f else ABSENT
        doc["event"] = self.event(f["event"]) if "event" in f else ABSENT
        doc["hosts"] = self.hosts(f["hosts"], doc["event"]) if "hosts" in f else ABSENT
        # five-year rule (named range.end, at the range.end value)
        rng, now = doc["range"], doc["now"]
        if isinstance(now, int) and isinstance(rng, dict) and isinstance(rng["end"], int):
            limit = five_years_after(now)
            if limit is not None and rng["end"] > limit:
                self.err(rng["end_pos"], "range.end", "must be at most 5 years after now")
        if self.errors:
            return None
        return doc

    def range_(self, node):
        f = self.fields(node, "range", {"start", "end"}, ("start", "end"))
        if f is None:
            return INVALID
        r = {
            "start": self.instant(f["start"], "range.start") if "start" in f else ABSENT,
            "end": self.instant(f["end"], "range.end") if "end" in f else ABSENT,
            "end_pos": f["end"].start if "end" in f else None,
        }
        if isinstance(r["start"], int) and isinstance(r["end"], int):
            if r["start"] >= r["end"]:
                self.err(node.end, "range", "start must be before end")
            elif r["end"] - r["start"] > 366 * DAY:
                self.err(node.end, "range", "range must be at most 366 days")
        return r

    def event(self, node):
        keys = {
            "kind", "duration", "interval", "buffer_before", "buffer_after", "minimum_notice",
            "booking_window_days", "max_per_day", "max_per_week", "seats", "timezone",
        }
        f = self.fields(node, "event", keys, ("kind", "duration"))
        if f is None:
            return INVALID
        e = {}
        # validate in document order (errors are sorted by position anyway)
        if "kind" in f:
            k = f["kind"]
            if k.kind != "string" or k.value not in ("single", "collective", "round_robin"):
                self.err(k.start, "event.kind", "must be single, collective or round_robin")
                e["kind"] = INVALID
            else:
                e["kind"] = k.value
        else:
            e["kind"] = ABSENT
        e["duration"] = self.integer(f["duration"], "event.duration", 1, 1440) if "duration" in f else ABSENT
        e["interval"] = self.opt(f, "interval", self.integer, "event.interval", 1, 1440)
        for key in ("buffer_before", "buffer_after", "minimum_notice"):
            e[key] = self.opt(f, key, self.integer, "event." + key, 0, MINUTES_MAX, default=0)
        for key in ("booking_window_days", "max_per_day", "max_per_week"):
            e[key] = self.opt(f, key, self.integer, "event." + key, 0, None, default=None)
        e["seats"] = self.opt(f, "seats", self.integer, "event.seats", 1, 10000, default=1)
        e["timezone"] = self.opt(f, "timezone", self.tz, "event.timezone")
        if e["interval"] is ABSENT and isinstance(e["duration"], int):
            e["interval"] = e["duration"]
        if isinstance(e["kind"], str) and isinstance(e["seats"], int):
            if e["seats"] > 1 and e["kind"] != "single":
                self.err(node.end, "event", "seats > 1 requires kind single")
        return e

    def hosts(self, node, event):
        if node.kind != "array":
            self.err(node.start, "hosts", "must be an array")
            return INVALID
        hosts = []
        ids_seen = set()
        for i, h in enumerate(node.value):
            host = self.host(h, "hosts[%d]" % i)
            hosts.append(host)
            if isinstance(host, dict) and isinstance(host["id"], str):
                if host["id"] in ids_seen:
                    self.err(host["id_pos"], "hosts[%d].id" % i, "duplicate host id %s" % json.dumps(host["id"]))
                ids_seen.add(host["id"])
        n = len(node.value)
        if not 1 <= n <= MAX_HOSTS:
            self.err(node.end, "hosts", "must have 1 to 1000 hosts")
        elif isinstance(event, dict) and event["kind"] == "single" and n != 1:
            self.err(node.end, "hosts", "kind single needs exactly one host")
        return hosts

    def host(self, node, path):
        keys = {"id", "timezone", "weekly", "overrides", "busy", "bookings"}
        f = self.fields(node, path, keys, ("id", "timezone"))
        if f is None:
            return INVALID
        h = {"id": ABSENT, "id_pos": None}
        if "id" in f:
            n = f["id"]
            if n.kind != "string":
                self.err(n.start, path + ".id", "must be a string")
                h["id"] = INVALID
            else:
                h["id"] = n.value
                h["id_pos"] = n.start
        h["timezone"] = self.tz(f["timezone"], path + ".timezone") if "timezone" in f else ABSENT
        h["weekly"] = self.opt(f, "weekly", self.weekly, path + ".weekly", default={})
        h["overrides"] = self.opt(f, "overrides", self.overrides, path + ".overrides", default={})
        h["busy"] = self.opt(f, "busy", self.list_of, path + ".busy", self.busy, default=[])
        h["bookings"] = self.opt(f, "bookings", self.list_of, path + ".bookings", self.booking, default=[])
        return h

    def weekly(self, node, path):
        f = self.fields(node, path, set(DAY_KEYS), ())
        if f is None:
            return INVALID
        return {k: self.pairs(v, "%s.%s" % (path, k)) for k, v in f.items()}

    def overrides(self, node, path):
        if node.kind != "object":
            self.err(node.start, path, "must be an object")
            return INVALID
        out = {}
        seen = set()
        for key, kpos, child in node.value:
            kp = "%s.%s" % (path, key)
            if key in seen:
                self.err(kpos, kp, "duplicate key")
                continue
            seen.add(key)
            d = parse_date_key(key)
            if d is None:
                self.err(kpos, kp, "override key must be a real date YYYY-MM-DD")
                continue
            if child.kind == "null":
                continue  # A8: no override
            out[d] = self.pairs(child, kp)
        return out

    def pairs(self, node, path):
        if node.kind != "array":
            self.err(node.start, path, "must be a list of [start, end] pairs")
            return INVALID
        out = []
        for i, p in enumerate(node.value):
            pp = "%s[%d]" % (path, i)
            if p.kind != "array" or len(p.value) != 2:
                self.err(p.start, pp, "must be a pair [\"HH:MM\", \"HH:MM\"]")
                out.append(INVALID)
                continue
            vals = []
            for j, (el, allow) in enumerate(zip(p.value, (False, True))):
                ep = "%s[%d]" % (pp, j)
                v = parse_hhmm(el.value, allow) if el.kind == "string" else None
                if v is None:
                    self.err(el.start, ep, "must be a local time HH:MM" + (" (24:00 only as an end)" if j == 0 else ""))
                    vals.append(INVALID)
                else:
                    vals.append(v)
            if INVALID in vals:
                out.append(INVALID)
            elif vals[0] >= vals[1]:
                self.err(p.start, pp, "start must be before end")
                out.append(INVALID)
            else:
                out.append(tuple(vals))
        return out

    def list_of(self, node, path, fn):
        if node.kind != "array":
            self.err(node.start, path, "must be an array")
            return INVALID
        return [fn(el, "%s[%d]" % (path, i)) for i, el in enumerate(node.value)]

    def busy(self, node, path):
        f = self.fields(node, path, {"start", "end"}, ("start", "end"))
        if f is None:
            return INVALID
        b = {
            "start": self.instant(f["start"], path + ".start") if "start" in f else ABSENT,
            "end": self.instant(f["end"], path + ".end") if "end" in f else ABSENT,
        }
        if isinstance(b["start"], int) and isinstance(b["end"], int) and b["start"] >= b["end"]:
            self.err(node.end, path, "start must be before end")
        return b

    def booking(self, node, path):
        keys = {"start", "end", "buffer_before", "buffer_after", "attendees", "same_event"}
        f = self.fields(node, path, keys, ("start", "end"))
        if f is None:
            return INVALID
        b = {
            "start": self.instant(f["start"], path + ".start") if "start" in f else ABSENT,
            "end": self.instant(f["end"], path + ".end") if "end" in f else ABSENT,
        }
        b["buffer_before"] = self.opt(f, "buffer_before", self.integer, path + ".buffer_before", 0, MINUTES_MAX, default=0)
        b["buffer_after"] = self.opt(f, "buffer_after", self.integer, path + ".buffer_after", 0, MINUTES_MAX, default=0)
        b["attendees"] = self.opt(f, "attendees", self.integer, path + ".attendees", 1, None, default=1)
        b["same_event"] = False
        if "same_event" in f:
            n = f["same_event"]
            if n.kind != "bool":
                self.err(n.start, path + ".same_event", "must be a boolean")
            else:
                b["same_event"] = n.value
        if isinstance(b["start"], int) and isinstance(b["end"], int) and b["start"] >= b["end"]:
            self.err(node.end, path, "start must be before end")
        return b


def five_years_after(now):
    days, secs = divmod(now, DAY)
    y, m, d = civil_from_days(days)
    y += 5
    if y > 9999:
        return None
    if m == 2 and d == 29 and not is_leap(y):
        d = 28
    return days_from_civil(y, m, d) * DAY + secs


# --------------------------------------------------------------------------
# Time-zone helpers
# --------------------------------------------------------------------------
_zones = {}


def zone(name):
    z = _zones.get(name)
    if z is None:
        z = _zones[name] = ZoneInfo(name)
    return z


def offset_at(ts, tz):
    """UTC offset in seconds in effect at instant ts."""
    try:
        dt = datetime.fromtimestamp(ts, tz)
    except (OverflowError, ValueError, OSError):
        raise Unsupported("instant outside datetime range")
    return int(dt.utcoffset().total_seconds())


def local_naive(ts, tz):
    """Local wall-clock time of ts as 'epoch seconds of the naive local time'."""
    return ts + offset_at(ts, tz)


def local_date(ts, tz):
    days = local_naive(ts, tz) // DAY
    y, m, d = civil_from_days(days)
    return date(y, m, d)


_compat_cache = {}


def local_to_instant(d, minute, tz):
    """Compatible rule: local date d + minute-of-day (0..1439) in tz -> instant."""
    key = (tz.key, d, minute)
    r = _compat_cache.get(key)
    if r is not None:
        return r
    L = days_from_civil(d.year, d.month, d.day) * DAY + minute * 60
    naive = datetime(d.year, d.month, d.day, minute // 60, minute % 60)
    offs = set()
    for fold in (0, 1):
        offs.add(int(naive.replace(tzinfo=tz, fold=fold).utcoffset().total_seconds()))
    # also the offsets a day around, in case the fold attribute is not informative
    for probe in (L - DAY, L + DAY):
        offs.add(offset_at(probe, tz))
    valid = sorted(L - o for o in offs if local_naive(L - o, tz) == L)
    if valid:
        r = valid[0]  # exists once or twice: the earlier instant
    else:
        # gap: the instant L - max(offs) lies before the transition; the offset
        # there is the pre-transition offset; moving forward by the gap length
        # gives L - offset_before.
        before = offset_at(L - max(offs), tz)
        r = L - before
        if local_naive(r, tz) <= L:  # sanity: must land after the gap
            raise AssertionError("compatible rule failed for %s %s %d" % (tz.key, d, minute))
    _compat_cache[key] = r
    return r


# --------------------------------------------------------------------------
# Interval sets (lists of disjoint sorted half-open (start, end) tuples)
# --------------------------------------------------------------------------
def merge(intervals):
    """Merge where they overlap or touch; drop empty intervals."""
    out = []
    for s, e in sorted(iv for iv in intervals if iv[0] < iv[1]):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def subtract(a, b):
    """a minus b, both merged."""
    out = []
    j = 0
    for s, e in a:
        cur = s
        while j < len(b) and b[j][1] <= cur:
            j += 1
        k = j
        while k < len(b) and b[k][0] < e:
            bs, be = b[k]
            if bs > cur:
                out.append((cur, bs))
            cur = max(cur, be)
            if cur >= e:
                break
            k += 1
        if cur < e:
            out.append((cur, e))
    return merge(out)


def intersect(a, b):
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        s = max(a[i][0], b[j][0])
        e = min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return merge(out)


def clip(a, lo, hi):
    return [(max(s, lo), min(e, hi)) for s, e in a if max(s, lo) < min(e, hi)]


# --------------------------------------------------------------------------
# Engine
# --------------------------------------------------------------------------
def py_date(d):
    try:
        return d if isinstance(d, date) else date(*d)
    except ValueError:
        raise Unsupported("date out of range")


def working_hours(host, tz, d_lo, d_hi):
    """Merged working windows from the local dates d_lo..d_hi (inclusive)."""
    wins = []
    d = d_lo
    one = timedelta(days=1)
    while d <= d_hi:
        key = (d.year, d.month, d.day)
        if key in host["overrides"]:
            pairs = host["overrides"][key]
        else:
            pairs = host["weekly"].get(DAY_KEYS[d.weekday()], [])
        for s_min, e_min in pairs:
            s = local_to_instant(d, s_min, tz)
            e = local_to_instant(d + one, 0, tz) if e_min == 1440 else local_to_instant(d, e_min, tz)
            if s < e:
                wins.append((s, e))
        d += one
    return merge(wins)


def host_windows(host, lo_ts, range_start, hi_ts):
    """Merged working hours of a host, exact on [lo_ts, hi_ts) (plus margins).

    Working windows only matter from lo_ts = now + notice on; to keep a year
    far away from `now` cheap, start near range.start and walk back while the
    earliest window touches the computed boundary (it may continue earlier).
    """
    tz = zone(host["timezone"])
    try:
        d_min = local_date(lo_ts, tz) - timedelta(days=2)
        d_hi = local_date(hi_ts, tz) + timedelta(days=2)
        d_lo = max(d_min, local_date(max(lo_ts, range_start), tz) - timedelta(days=3))
    except (OverflowError, ValueError):
        raise Unsupported("dates out of range")
    ext = 7
    while True:
        try:
            wins = working_hours(host, tz, d_lo, d_hi)
            boundary = local_to_instant(d_lo + timedelta(days=1), 0, tz)
        except (OverflowError, ValueError):
            raise Unsupported("dates out of range")
        if d_lo <= d_min or not wins or wins[0][0] > boundary:
            return wins
        d_lo = max(d_min, d_lo - timedelta(days=ext))
        ext *= 2


def blocks_of(host, event, exclude=()):
    ba, bb = event["buffer_after"] * 60, event["buffer_before"] * 60
    out = [(b["start"] - ba, b["end"] + bb) for b in host["busy"]]
    for i, b in enumerate(host["bookings"]):
        if i in exclude:
            continue
        out.append((b["start"] - b["buffer_before"] * 60 - ba, b["end"] + b["buffer_after"] * 60 + bb))
    return merge(out)


def grid_g(interval):
    for g in (60, 30, 20, 15, 10, 5):
        if interval % g == 0:
            return g
    return 1


def starts_in(free, lo_ts, event_tz, interval, duration, r_start, r_end):
    """Rule 5 over a list of free intervals; yields starts in [r_start, r_end)."""
    g = grid_g(interval)
    step = interval * 60
    dur = duration * 60
    for fs, fe in free:
        x = max(fs, lo_ts)
        x = -(-x // 60) * 60  # up to a whole minute
        while (local_naive(x, event_tz) // 60) % 60 % g != 0:
            x += 60
        s = x
        if s < r_start:  # skip ahead (pure optimisation: these are filtered)
            s += -(-(r_start - s) // step) * step
        while s + dur <= fe and s < r_end:
            yield s
            s += step


class Limits:
    def __init__(self, host, event):
        self.tz = zone(host["timezone"])
        self.mpd = event["max_per_day"]
        self.mpw = event["max_per_week"]
        self.day = {}
        self.week = {}
        for b in host["bookings"]:
            if b["same_event"]:
                d = local_date(b["start"], self.tz)
                self.day[d] = self.day.get(d, 0) + 1
                w = d.isocalendar()[:2]
                self.week[w] = self.week.get(w, 0) + 1

    def allows(self, s):
        if self.mpd is None and self.mpw is None:
            return True
        d = local_date(s, self.tz)
        if self.mpd is not None and self.day.get(d, 0) >= self.mpd:
            return False
        if self.mpw is not None and self.week.get(d.isocalendar()[:2], 0) >= self.mpw:
            return False
        return True


def compute(doc):
    now = doc["now"]
    ev = doc["event"]
    hosts = doc["hosts"]
    r_start, r_end = doc["range"]["start"], doc["range"]["end"]
    event_tz = zone(ev["timezone"] if ev["timezone"] is not ABSENT else hosts[0]["timezone"])
    duration, interval, seats = ev["duration"], ev["interval"], ev["seats"]
    lo_ts = now + ev["minimum_notice"] * 60  # no start before this
    hi_ts = r_end + duration * 60  # no slot ends after this
    window_end = None if ev["booking_window_days"] is None else now + ev["booking_window_days"] * DAY

    def in_window(s):
        return window_end is None or s < window_end

    slots = {}  # start -> (set of host ids, seats_left)

    if lo_ts >= hi_ts:
        return []

    per_host = []
    for h in hosts:
        wins = host_windows(h, lo_ts, r_start, hi_ts)
        blocks = blocks_of(h, ev)
        free = clip(subtract(wins, blocks), lo_ts, hi_ts)
        per_host.append((h, wins, blocks, free))

    kind = ev["kind"]
    if kind == "collective":
        free = per_host[0][3]
        for _, _, _, f in per_host[1:]:
            free = intersect(free, f)
        limits = [Limits(h, ev) for h in hosts]
        ids = set(h["id"] for h in hosts)
        for s in starts_in(free, lo_ts, event_tz, interval, duration, r_start, r_end):
            if in_window(s) and all(lim.allows(s) for lim in limits):
                slots[s] = (ids, seats)
    else:
        for h, wins, blocks, free in per_host:
            lim = Limits(h, ev)
            for s in starts_in(free, lo_ts, event_tz, interval, duration, r_start, r_end):
                if in_window(s) and lim.allows(s):
                    slots.setdefault(s, (set(), seats))[0].add(h["id"])

    if kind == "single" and seats > 1:
        h, wins, _, _ = per_host[0]
        groups = {}
        for i, b in enumerate(h["bookings"]):
            if b["same_event"]:
                groups.setdefault(b["start"], []).append(i)
        for s, idxs in sorted(groups.items()):
            taken = sum(h["bookings"][i]["attendees"] for i in idxs)
            if taken >= seats:
                continue
            e = s + duration * 60
            if not (s >= lo_ts and in_window(s) and r_start <= s < r_end):
                continue
            if not any(ws <= s and e <= we for ws, we in wins):
                continue
            others = blocks_of(h, ev, exclude=set(idxs))
            if any(bs < e and s < be for bs, be in others):
                continue
            assert s not in slots, "join start collides with a rule-5 start"
            slots[s] = ({h["id"]}, seats - taken)

    out = []
    for s in sorted(slots):
        ids, left = slots[s]
        out.append({
            "start": fmt_instant(s),
            "end": fmt_instant(s + duration * 60),
            "hosts": sorted(ids, key=lambda x: x.encode("utf-8")),
            "seats_left": left,
        })
    return out


def run(text):
    """Returns (exit_code, stdout_text, stderr_lines)."""
    try:
        root = Parser(text).parse()
    except JSONError as e:
        return 2, "", ["error: $: invalid JSON: %s" % e]
    v = Validator()
    doc = v.document(root)
    if doc is None:
        errs = sorted(v.errors, key=lambda e: (e[0], e[1]))
        return 2, "", ["error: %s: %s" % (path, reason) for _, _, path, reason in errs]
    try:
        slots = compute(doc)
    except Unsupported as e:
        return 3, "", ["oracle: unsupported input: %s" % e]
    return 0, json.dumps({"slots": slots}, ensure_ascii=False) + "\n", []


def main(argv):
    if len(argv) > 1:
        with open(argv[1], "rb") as f:
            raw = f.read()
    else:
        raw = sys.stdin.buffer.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        print("error: $: input is not UTF-8", file=sys.stderr)
        return 2
    code, out, errs = run(text)
    sys.stdout.write(out)
    for line in errs:
        print(line, file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
