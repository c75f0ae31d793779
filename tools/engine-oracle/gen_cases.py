#!/usr/bin/env python3
"""Seeded random generator of input documents for `rendezvous slots`.

  python3 gen_cases.py --seed N --count K --out DIR            # VALID documents
  python3 gen_cases.py --seed N --count K --out DIR --invalid  # INVALID documents

Valid mode writes DIR/case-XXXX.json.  Invalid mode writes DIR/case-XXXX.json and
a sidecar DIR/case-XXXX.expect.json = {"exit": 2, "paths": [PATH, ...], "mutation": "..."}
listing the expected error PATHs in document order (the REASON wording is not
predicted).  The same seed always gives the same files.

Valid documents aim at the tricky parts of ENGINE.md: DST transition days in
zones with 60- and 30-minute shifts and 15/30/45-minute offsets, windows in
gaps and folds, 24:00 ends, overrides, busy blocks and bookings with buffers,
notice off the grid, odd intervals, collective/round_robin hosts in different
zones, per-day/per-week limits, seats with partly filled bookings, and `now`
with seconds.  Ranges are short (hours to 14 days) so thousands run fast.
Standard library only.
"""
import argparse
import copy
import json
import os
import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
ZONES = [
    "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham",
    "Asia/Kathmandu", "Asia/Kolkata", "America/St_Johns", "UTC",
]
EXTRA_ZONES = ["US/Eastern", "Pacific/Auckland", "America/Santiago", "Asia/Tehran", "Europe/London"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
IDS = ["alice", "Bob", "carol", "dave", "Émile", "_x", "zed", "h1", "h10", "h2", "ZZ", "a b"]
# local times that hit gaps and folds of the zones above (transitions at 00:00-04:00 local)
DST_TIMES = ["00:00", "00:30", "01:00", "01:15", "01:30", "01:45", "01:59", "02:00", "02:01", "02:10",
             "02:15", "02:30", "02:45", "02:59", "03:00", "03:15", "03:30", "03:45", "04:00"]
DURATIONS = [5, 7, 8, 10, 15, 20, 25, 30, 30, 30, 40, 45, 50, 60, 60, 90, 120, 240]
INTERVALS = [None, None, 1, 3, 5, 7, 8, 10, 15, 20, 25, 30, 40, 45, 50, 60, 90, 120]


def transitions(zone_name, years=(2025, 2026, 2027)):
    """UTC datetimes just after each offset change (hourly scan, 15-minute refine)."""
    tz = ZoneInfo(zone_name)
    out = []
    t = datetime(years[0], 1, 1, tzinfo=UTC)
    end = datetime(years[-1] + 1, 1, 1, tzinfo=UTC)
    prev = t.astimezone(tz).utcoffset()
    while t < end:
        n = t + timedelta(hours=1)
        off = n.astimezone(tz).utcoffset()
        if off != prev:
            out.append(n)
        prev = off
        t = n
    return out


_TRANSITIONS = {}


def zone_transitions(z):
    if z not in _TRANSITIONS:
        _TRANSITIONS[z] = transitions(z)
    return _TRANSITIONS[z]


def fmt(dt, rnd, allow_offset=True):
    """Format an aware datetime as RFC 3339, sometimes with an offset or a zero fraction."""
    dt = dt.astimezone(UTC)
    r = rnd.random()
    if allow_offset and r < 0.12:
        off = rnd.choice([timedelta(hours=1), timedelta(hours=-5), timedelta(hours=5, minutes=45),
                          timedelta(hours=-3, minutes=-30), timedelta(hours=12, minutes=45)])
        loc = dt.astimezone(timezone(off))
        s = loc.strftime("%Y-%m-%dT%H:%M:%S")
        sign = "+" if off >= timedelta(0) else "-"
        mins = abs(int(off.total_seconds())) // 60
        return "%s%s%02d:%02d" % (s, sign, mins // 60, mins % 60)
    s = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if r < 0.17:
        s += ".000"
    return s + "Z"


def hhmm(m):
    return "%02d:%02d" % (m // 60, m % 60)


def rand_minute(rnd):
    r = rnd.random()
    if r < 0.4:
        h, mi = map(int, rnd.choice(DST_TIMES).split(":"))
        return h * 60 + mi
    if r < 0.75:
        return rnd.randrange(0, 24) * 60 + rnd.choice([0, 0, 15, 30, 45])
    return rnd.randrange(0, 1440)


def rand_pairs(rnd, n_max=3):
    pairs = []
    for _ in range(rnd.randint(1, n_max)):
        a = rand_minute(rnd)
        if rnd.random() < 0.25:
            b = 1440
        else:
            b = rand_minute(rnd)
        if rnd.random() < 0.1:
            a = 0
        if a == b:
            continue
        a, b = min(a, b), max(a, b)
        if b < 1440 and rnd.random() < 0.55:
            b = min(1440, b + rnd.choice([60, 120, 240, 480]))
        pairs.append([hhmm(a), hhmm(b)])
    return pairs


def rand_weekly(rnd):
    w = {}
    style = rnd.random()
    for d in DAYS:
        if style < 0.25:  # office hours
            if d not in ("sat", "sun") or rnd.random() < 0.3:
                w[d] = [["09:00", "17:00"]] if rnd.random() < 0.6 else [["09:00", "12:00"], ["13:00", "17:30"]]
        elif style < 0.35:  # around the clock, merged across dates
            w[d] = [["00:00", "24:00"]] if rnd.random() < 0.8 else [["00:00", "12:00"], ["12:00", "24:00"]]
        else:
            r = rnd.random()
            if r < 0.65:
                w[d] = rand_pairs(rnd)
            elif r < 0.75:
                w[d] = []
            elif r < 0.8:
                w[d] = None  # null = absent
    if rnd.random() < 0.1:
        return None
    return w


def host_local_date(dt, zname):
    return dt.astimezone(ZoneInfo(zname)).date()


def rand_interval_around(rnd, base, spread_h, min_len=5, max_len=180):
    start = base + timedelta(minutes=rnd.randint(-spread_h * 60, spread_h * 60))
    if rnd.random() < 0.3:
        start += timedelta(seconds=rnd.randint(1, 59))
    length = timedelta(minutes=rnd.randint(min_len, max_len))
    if rnd.random() < 0.1:
        length += timedelta(seconds=rnd.randint(1, 59))
    return start, start + length


def gen_valid(rnd):
    kind = rnd.choices(["single", "round_robin", "collective"], [0.45, 0.3, 0.25])[0]
    n_hosts = 1 if kind == "single" else rnd.choice([1, 2, 2, 3, 3, 4])
    zones = [rnd.choice(ZONES) if rnd.random() < 0.9 else rnd.choice(EXTRA_ZONES) for _ in range(n_hosts)]
    focus_zone = rnd.choice([z for z in zones + ["Europe/Berlin"] if zone_transitions(z)] or ["Europe/Berlin"])

    # focus instant: a DST transition (usually) or a random day of 2026
    if rnd.random() < 0.8 and zone_transitions(focus_zone):
        focus = rnd.choice(zone_transitions(focus_zone))
    else:
        focus = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=rnd.randrange(365))
    r = rnd.random()
    if r < 0.15:
        length = timedelta(hours=rnd.randint(1, 12))
    elif r < 0.85:
        length = timedelta(days=rnd.randint(1, 5))
    else:
        length = timedelta(days=rnd.randint(6, 14))
    r_start = focus - timedelta(hours=rnd.randint(0, 72))
    if rnd.random() < 0.5:
        r_start = r_start.replace(minute=0, second=0)
    else:
        r_start = r_start.replace(minute=rnd.randrange(60), second=rnd.choice([0, 0, rnd.randrange(60)]))
    r_end = r_start + length
    r = rnd.random()
    if r < 0.6:
        now = r_start - timedelta(minutes=rnd.randint(0, 5 * 1440))
    elif r < 0.9:
        now = r_start + timedelta(minutes=rnd.randint(0, int(length.total_seconds() // 60)))
    else:
        now = r_start - timedelta(days=rnd.randint(5, 60))
    now = now.replace(second=rnd.randrange(60)) if rnd.random() < 0.7 else now.replace(second=0)

    duration = rnd.choice(DURATIONS)
    if rnd.random() < 0.02:
        duration = rnd.choice([1, 1440, 600])
    event = {"kind": kind, "duration": duration}
    interval = rnd.choice(INTERVALS)
    if interval is not None:
        event["interval"] = interval
    elif rnd.random() < 0.2:
        event["interval"] = None
    for key in ("buffer_before", "buffer_after"):
        if rnd.random() < 0.5:
            event[key] = rnd.choice([0, 5, 7, 10, 15, 30])
    if rnd.random() < 0.6:
        event["minimum_notice"] = rnd.choice([0, 1, 7, 13, 60, 90, 120, 1440, rnd.randint(0, 3000)])
    if rnd.random() < 0.3:
        event["booking_window_days"] = rnd.choice([0, 1, 2, 3, 4, 5, 7, 7, 10, 30])
    if rnd.random() < 0.25:
        event["max_per_day"] = rnd.choice([0, 1, 1, 2, 2, 3, 3, 5])
    if rnd.random() < 0.25:
        event["max_per_week"] = rnd.choice([0, 1, 2, 3, 3, 5, 5, 8])
    for key in ("max_per_day", "max_per_week", "booking_window_days"):
        if key not in event and rnd.random() < 0.05:
            event[key] = None
    seats = 1
    if kind == "single" and rnd.random() < 0.4:
        seats = rnd.choice([2, 3, 5, 10])
        event["seats"] = seats
    elif rnd.random() < 0.1:
        event["seats"] = 1
    if rnd.random() < 0.5:
        event["timezone"] = rnd.choice(ZONES + zones)

    ids = rnd.sample(IDS, n_hosts)
    hosts = []
    for hid, z in zip(ids, zones):
        h = {"id": hid, "timezone": z}
        w = rand_weekly(rnd)
        if (kind == "collective" or seats > 1) and rnd.random() < 0.5:
            # wide shared hours so intersections / seat joins are not mostly empty
            wide = rnd.choice([[["00:00", "24:00"]], [["06:00", "22:00"]], [["08:00", "20:00"]]])
            w = {d: copy.deepcopy(wide) for d in DAYS if rnd.random() < 0.9}
        if w is not None:
            h["weekly"] = w
        # overrides on local dates around the range (incl. the transition day)
        if rnd.random() < 0.5:
            ov = {}
            d0 = host_local_date(r_start, z) - timedelta(days=1)
            for _ in range(rnd.randint(1, 4)):
                d = d0 + timedelta(days=rnd.randint(0, max(1, length.days + 2)))
                ov[d.isoformat()] = [] if rnd.random() < 0.3 else rand_pairs(rnd)
            if rnd.random() < 0.1:
                ov[(d0 + timedelta(days=1)).isoformat()] = None
            h["overrides"] = ov
        span_h = max(2, int(length.total_seconds() // 3600))
        mid = r_start + length / 2
        busy = []
        for _ in range(rnd.choice([0, 0, 1, 2, 4, 6])):
            s, e = rand_interval_around(rnd, mid, span_h // 2 + 12)
            busy.append({"start": fmt(s, rnd), "end": fmt(e, rnd)})
        if busy or rnd.random() < 0.2:
            h["busy"] = busy
        bookings = []
        for _ in range(rnd.choice([0, 0, 1, 2, 3, 5, 8])):
            if rnd.random() < 0.5:
                # aligned, event-like booking (seats joins, limits)
                base = r_start + timedelta(minutes=rnd.randrange(0, max(1, int(length.total_seconds() // 60)), 15))
                base = base.replace(second=0)
                s, e = base, base + timedelta(minutes=duration)
            else:
                s, e = rand_interval_around(rnd, mid, span_h // 2 + 48, 5, 120)
            b = {"start": fmt(s, rnd), "end": fmt(e, rnd)}
            if rnd.random() < 0.4:
                b["buffer_before"] = rnd.choice([0, 5, 10, 15])
            if rnd.random() < 0.4:
                b["buffer_after"] = rnd.choice([0, 5, 10, 20])
            if rnd.random() < 0.5 or seats > 1:
                b["attendees"] = rnd.randint(1, max(1, seats))
            if rnd.random() < 0.6:
                b["same_event"] = rnd.random() < 0.8
            bookings.append(b)
            if seats > 1 and rnd.random() < 0.3:  # a second booking at the same start
                b2 = dict(b, attendees=rnd.randint(1, seats), same_event=True)
                bookings.append(b2)
        if bookings or rnd.random() < 0.2:
            h["bookings"] = bookings
        hosts.append(h)

    return {
        "now": fmt(now, rnd),
        "range": {"start": fmt(r_start, rnd), "end": fmt(r_end, rnd)},
        "event": event,
        "hosts": hosts,
    }


# ---------------------------------------------------------------- invalid --
def parse_utc(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00")).astimezone(UTC)


def mutations(doc, rnd):
    """Candidate (name, mutate(doc), [expected paths]) for a valid doc.
    Every mutation introduces exactly one problem."""
    ev = doc["event"]
    hs = doc["hosts"]
    i = rnd.randrange(len(hs))
    hp = "hosts[%d]" % i
    h = hs[i]
    out = []

    def setter(obj, key, val):
        def f(d):
            obj(d)[key] = val
        return f

    def popper(obj, key):
        def f(d):
            obj(d).pop(key, None)
        return f

    E = lambda d: d["event"]  # noqa: E731
    H = lambda d: d["hosts"][i]  # noqa: E731
    R = lambda d: d["range"]  # noqa: E731
    ROOT = lambda d: d  # noqa: E731

    for key in ("now", "range", "event", "hosts"):
        out.append(("missing " + key, popper(ROOT, key), [key]))
    out.append(("null now", setter(ROOT, "now", None), ["now"]))
    out.append(("missing range.start", popper(R, "start"), ["range.start"]))
    out.append(("missing range.end", popper(R, "end"), ["range.end"]))
    out.append(("missing event.kind", popper(E, "kind"), ["event.kind"]))
    out.append(("null event.kind", setter(E, "kind", None), ["event.kind"]))
    out.append(("missing event.duration", popper(E, "duration"), ["event.duration"]))
    out.append(("missing host id", popper(H, "id"), [hp + ".id"]))
    out.append(("missing host tz", popper(H, "timezone"), [hp + ".timezone"]))
    out.append(("unknown root key", setter(ROOT, "evnet", {}), ["evnet"]))
    out.append(("unknown event key", setter(E, "bufer_after", 5), ["event.bufer_after"]))
    out.append(("unknown range key", setter(R, "tz", "UTC"), ["range.tz"]))
    out.append(("unknown host key", setter(H, "name", "x"), [hp + ".name"]))
    out.append(("unknown weekday", lambda d: d["hosts"][i].setdefault("weekly", {}).__setitem__("funday", []),
                [hp + ".weekly.funday"]))
    for key, val in (("duration", 0), ("duration", 1441), ("duration", "30"), ("duration", 30.5), ("duration", 30.0),
                     ("interval", 0), ("interval", 1441), ("buffer_before", -1), ("buffer_after", 525601),
                     ("minimum_notice", -5), ("minimum_notice", True), ("seats", 0), ("seats", 10001),
                     ("max_per_day", -1), ("max_per_week", "2"), ("booking_window_days", 1.5),
                     ("kind", "group"), ("kind", "Single"), ("timezone", "Mars/Base"), ("timezone", "europe/berlin"),
                     ("timezone", "posixrules"), ("timezone", 1)):
        if key == "seats" and ev["kind"] != "single":
            continue
        out.append(("event.%s=%r" % (key, val), setter(E, key, val), ["event." + key]))
    out.append(("host tz", setter(H, "timezone", "Mars/Base"), [hp + ".timezone"]))
    out.append(("host id type", setter(H, "id", 7), [hp + ".id"]))
    out.append(("now fraction", setter(ROOT, "now", doc["now"][:19] + ".5Z"), ["now"]))
    out.append(("now no seconds", setter(ROOT, "now", doc["now"][:16] + "Z"), ["now"]))
    out.append(("now no zone", setter(ROOT, "now", doc["now"][:19]), ["now"]))
    out.append(("range.start bad day", setter(R, "start", "2026-02-29T00:00:00Z"), ["range.start"]))
    out.append(("hosts not array", setter(ROOT, "hosts", {}), ["hosts"]))
    out.append(("hosts empty", setter(ROOT, "hosts", []), ["hosts"]))
    out.append(("event not object", setter(ROOT, "event", []), ["event"]))

    # range rules
    rs, re_ = parse_utc(doc["range"]["start"]), parse_utc(doc["range"]["end"])
    out.append(("range start>=end", setter(R, "end", doc["range"]["start"]), ["range"]))
    now = parse_utc(doc["now"])
    long_end = rs + timedelta(days=366, seconds=1)
    if long_end < now + timedelta(days=4 * 365):  # stays inside the five-year limit
        out.append(("range > 366 days", setter(R, "end", long_end.strftime("%Y-%m-%dT%H:%M:%SZ")), ["range"]))
    if not (rs.month == 2 and rs.day == 29):
        far_now = rs.replace(year=rs.year - 5)  # range.end > range.start = now + 5 years
        out.append(("range.end > 5 years", setter(ROOT, "now", far_now.strftime("%Y-%m-%dT%H:%M:%SZ")), ["range.end"]))

    # kinds / hosts
    if ev["kind"] != "single":
        out.append(("seats with " + ev["kind"], setter(E, "seats", 3), ["event"]))
        if len(hs) >= 2:
            j = rnd.randrange(1, len(hs))
            out.append(("duplicate id", lambda d: d["hosts"][j].__setitem__("id", d["hosts"][rnd.randrange(j)]["id"]),
                        ["hosts[%d].id" % j]))
            out.append(("single with many hosts", setter(E, "kind", "single"), ["hosts"]))
    else:
        def add_host(d):
            h2 = copy.deepcopy(d["hosts"][0])
            h2["id"] = h2["id"] + "-2" if isinstance(h2["id"], str) else "x"
            d["hosts"].append(h2)
        out.append(("single with two hosts", add_host, ["hosts"]))
    if len(hs) == 1 or ev["kind"] != "single":
        def many(d):
            base = d["hosts"][0]
            d["hosts"] = [dict(copy.deepcopy(base), id="h%04d" % k) for k in range(1001)]
            d["event"]["kind"] = "round_robin"
            d["event"].pop("seats", None)
        out.append(("1001 hosts", many, ["hosts"]))

    # local times
    wp = hp + ".weekly.wed"
    for pair, path in ((["24:00", "24:00"], wp + "[0][0]"), (["9:00", "17:00"], wp + "[0][0]"),
                       (["09:00", "24:01"], wp + "[0][1]"), (["09:00", "23:60"], wp + "[0][1]"),
                       (["17:00", "09:00"], wp + "[0]"), (["09:00", "09:00"], wp + "[0]"),
                       (["09:00"], wp + "[0]"), (["09:00", "10:00", "11:00"], wp + "[0]"),
                       (["09:00", 1000], wp + "[0][1]"), (["09:00:00", "10:00"], wp + "[0][0]")):
        def f(d, pair=pair):
            w = d["hosts"][i].get("weekly") or {}
            d["hosts"][i]["weekly"] = w
            w["wed"] = [pair]
        out.append(("weekly pair %r" % (pair,), f, [path]))
    for key in ("2026-02-29", "2026-13-01", "2026-1-05", "26-01-05", "2026-04-31"):
        def f(d, key=key):
            ov = d["hosts"][i].get("overrides") or {}
            d["hosts"][i]["overrides"] = ov
            ov[key] = []
        out.append(("override key " + key, f, ["%s.overrides.%s" % (hp, key)]))

    # busy / bookings
    def add_busy(item, idx_path):
        def f(d):
            b = d["hosts"][i].get("busy") or []
            d["hosts"][i]["busy"] = b
            b.append(item)
        return f
    nb = len(h.get("busy") or [])
    bp = "%s.busy[%d]" % (hp, nb)
    out.append(("busy start==end", add_busy({"start": "2026-05-01T10:00:00Z", "end": "2026-05-01T10:00:00Z"}, bp), [bp]))
    out.append(("busy start>end", add_busy({"start": "2026-05-01T10:00:00Z", "end": "2026-05-01T09:00:00+00:00"}, bp), [bp]))
    out.append(("busy missing end", add_busy({"start": "2026-05-01T10:00:00Z"}, bp), [bp + ".end"]))
    out.append(("busy unknown key", add_busy({"start": "2026-05-01T10:00:00Z", "end": "2026-05-01T11:00:00Z", "title": "x"}, bp), [bp + ".title"]))
    nk = len(h.get("bookings") or [])
    kp = "%s.bookings[%d]" % (hp, nk)
    good = {"start": "2026-05-01T10:00:00Z", "end": "2026-05-01T11:00:00Z"}
    for key, val in (("attendees", 0), ("attendees", -1), ("buffer_before", -1), ("buffer_after", 525601),
                     ("same_event", "yes"), ("same_event", 1), ("start", "2026-05-01T10:00:00"), ("guests", 2)):
        def f(d, key=key, val=val):
            b = d["hosts"][i].get("bookings") or []
            d["hosts"][i]["bookings"] = b
            item = dict(good)
            item[key] = val
            b.append(item)
        out.append(("booking %s=%r" % (key, val), f, [kp + "." + key]))

    def bad_booking_order(d):
        b = d["hosts"][i].get("bookings") or []
        d["hosts"][i]["bookings"] = b
        b.append({"start": "2026-05-01T11:00:00Z", "end": "2026-05-01T10:00:00Z", "attendees": 2})
    out.append(("booking start>end", bad_booking_order, [kp]))
    return out


def gen_invalid(rnd):
    doc = gen_valid(rnd)
    name, mutate, paths = rnd.choice(mutations(doc, rnd))
    mutate(doc)
    return doc, name, paths


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--invalid", action="store_true", help="write invalid documents with .expect.json sidecars")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rnd = random.Random(a.seed)
    for k in range(a.count):
        path = os.path.join(a.out, "case-%04d.json" % k)
        if a.invalid:
            doc, name, paths = gen_invalid(rnd)
            with open(path[:-5] + ".expect.json", "w", encoding="utf-8") as f:
                json.dump({"exit": 2, "paths": paths, "mutation": name}, f, ensure_ascii=False)
                f.write("\n")
        else:
            doc = gen_valid(rnd)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
