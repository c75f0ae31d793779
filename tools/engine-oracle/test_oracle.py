"""Hand-verified cases for the engine oracle.  Run: python3 -m pytest tools/engine-oracle

Every expected value below was worked out by hand from ENGINE.md (the
reasoning is in the comments), not copied from the oracle's output.
"""
import copy
import json
import os
import re
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def run(doc):
    text = doc if isinstance(doc, str) else json.dumps(doc)
    return oracle.run(text)


def slots(doc):
    code, out, err = run(doc)
    assert code == 0, err
    return json.loads(out)["slots"]


def starts(doc):
    return [s["start"] for s in slots(doc)]


def error_paths(doc):
    code, out, err = run(doc)
    assert code == 2 and out == ""
    paths = []
    for line in err:
        m = re.match(r"error: (.*?): ", line)
        assert m, line
        paths.append(m.group(1))
    return paths


def host(tz, weekly=None, hid="a", **kw):
    h = {"id": hid, "timezone": tz, "weekly": weekly or {}}
    h.update(kw)
    return h


def doc(hosts, rs, re_, now="2026-01-01T00:00:00Z", **ev):
    e = {"kind": "single", "duration": 30}
    e.update(ev)
    return {"now": now, "range": {"start": rs, "end": re_}, "event": e, "hosts": hosts}


def example():
    text = open("/work/shared/ENGINE.md", encoding="utf-8").read() if os.path.exists("/work/shared/ENGINE.md") else None
    if text is None:
        pytest.skip("ENGINE.md not available")
    m = re.search(r"## Input\n```json\n(.*?)```", text, re.S)
    return json.loads(m.group(1))


# ---------------------------------------------------------------- example --
def test_engine_md_example():
    # Mon 03-23 Berlin CET (+1): 09-12 -> 08-11Z, 13-17 -> 12-16Z; busy 10-11Z
    # minus event.buffer_after 10 blocks 09:50-11:00Z -> 08:00..09:15 (6) and
    # 12:00..15:30 (15).  Tue 03-24: 08-16Z, booking 08:00-08:30 blocks
    # 07:50-08:40 -> first start 08:40 -> grid 15 (local 09:40 -> 09:45) = 08:45Z
    # .. 15:30 (28).  Mon 03-30 day off.  Tue 03-31 (CEST, +2) override 10-14 ->
    # 08-12Z: 08:00..11:30 (15).  Total 64.
    s = slots(example())
    assert len(s) == 64
    assert s[0] == {"start": "2026-03-23T08:00:00Z", "end": "2026-03-23T08:30:00Z", "hosts": ["alice"], "seats_left": 1}
    st = [x["start"] for x in s]
    assert "2026-03-23T09:15:00Z" in st and "2026-03-23T09:30:00Z" not in st
    assert [x for x in st if x.startswith("2026-03-24")][0] == "2026-03-24T08:45:00Z"
    assert not [x for x in st if x.startswith("2026-03-30")]
    assert [x for x in st if x.startswith("2026-03-31")][0] == "2026-03-31T08:00:00Z"
    assert st[-1] == "2026-03-31T11:30:00Z"


# ------------------------------------------------------------------ DST ----
BERLIN_SPRING = ("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z")


def test_berlin_spring_forward_window_spanning_gap():
    # 01:00 CET = 00:00Z, 04:00 CEST = 02:00Z: two elapsed hours.
    d = doc([host("Europe/Berlin", {"sun": [["01:00", "04:00"]]})], *BERLIN_SPRING, duration=60)
    assert starts(d) == ["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"]


def test_berlin_spring_forward_window_inside_gap_is_empty():
    # 02:30 -> 03:30 CEST (01:30Z); 03:00 CEST = 01:00Z; start not before end.
    d = doc([host("Europe/Berlin", {"sun": [["02:30", "03:00"]]})], *BERLIN_SPRING)
    assert starts(d) == []


def test_berlin_spring_forward_start_in_gap_moves_forward():
    # 02:15 -> 03:15 CEST = 01:15Z; g=30 -> 03:30 local = 01:30Z; end 05:00 CEST = 03:00Z.
    d = doc([host("Europe/Berlin", {"sun": [["02:15", "05:00"]]})], *BERLIN_SPRING)
    assert starts(d) == ["2026-03-29T01:30:00Z", "2026-03-29T02:00:00Z", "2026-03-29T02:30:00Z"]


NY_FALL = ("2026-10-31T00:00:00Z", "2026-11-03T00:00:00Z")


def test_new_york_fall_back_long_day():
    # 00:00 EDT = 04:00Z .. 03:00 EST = 08:00Z: four elapsed hours.
    d = doc([host("America/New_York", {"sun": [["00:00", "03:00"]]})], *NY_FALL, duration=60)
    assert starts(d) == ["2026-11-01T04:00:00Z", "2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z"]


def test_new_york_fall_back_ambiguous_start_takes_earlier():
    # 01:30 exists twice -> 01:30 EDT = 05:30Z; 02:00 EST = 07:00Z.
    d = doc([host("America/New_York", {"sun": [["01:30", "02:00"]]})], *NY_FALL)
    assert starts(d) == ["2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z"]


LH_APRIL = ("2026-04-03T00:00:00Z", "2026-04-06T00:00:00Z")


def test_lord_howe_april_half_hour_fold():
    # DST ends 02:00 LHDT(+11) -> 01:30 LHST(+10:30) at 15:00Z on 04-04.
    # 01:00 LHDT = 14:00Z; 03:00 LHST = 16:30Z; g=30, all starts on local :00/:30.
    d = doc([host("Australia/Lord_Howe", {"sun": [["01:00", "03:00"]]})], *LH_APRIL)
    assert starts(d) == ["2026-04-04T%s:00Z" % t for t in ("14:00", "14:30", "15:00", "15:30", "16:00")]


def test_lord_howe_april_elapsed_steps():
    # interval 60: anchor 14:00Z then steps of 60 elapsed minutes (15:00Z is
    # local 01:30 LHST -- off the grid, but steps keep absolute spacing).
    d = doc([host("Australia/Lord_Howe", {"sun": [["01:00", "03:00"]]})], *LH_APRIL, interval=60)
    assert starts(d) == ["2026-04-04T14:00:00Z", "2026-04-04T15:00:00Z", "2026-04-04T16:00:00Z"]


def test_lord_howe_april_grid_scan_through_fold():
    # 01:45 -> earlier = LHDT = 14:45Z.  Local minutes: 01:45..01:59 LHDT, then
    # 15:00Z = 01:30 LHST, first local :00 is 02:00 LHST = 15:30Z.
    d = doc([host("Australia/Lord_Howe", {"sun": [["01:45", "03:00"]]})], *LH_APRIL, interval=60)
    assert starts(d) == ["2026-04-04T15:30:00Z"]


def test_lord_howe_october_half_hour_gap():
    # DST starts 02:00 LHST -> 02:30 LHDT.  02:10 -> 02:40 LHDT = 15:40Z;
    # 04:00 LHDT = 17:00Z; g=30 -> 03:00 local = 16:00Z.
    d = doc([host("Australia/Lord_Howe", {"sun": [["02:10", "04:00"]]})], "2026-10-02T00:00:00Z", "2026-10-05T00:00:00Z")
    assert starts(d) == ["2026-10-03T16:00:00Z", "2026-10-03T16:30:00Z"]


def test_compatible_rule_against_pep495():
    # independent check of local_to_instant against Python's fold=0 semantics
    from datetime import date, datetime, timezone
    from zoneinfo import ZoneInfo

    for name, d in (("Europe/Berlin", date(2026, 3, 29)), ("America/New_York", date(2026, 11, 1)),
                    ("Australia/Lord_Howe", date(2026, 10, 4)), ("Pacific/Chatham", date(2026, 9, 27)),
                    ("America/St_Johns", date(2026, 3, 8))):
        tz = ZoneInfo(name)
        for minute in range(0, 1440, 5):
            exp = datetime(d.year, d.month, d.day, minute // 60, minute % 60, tzinfo=tz, fold=0)
            assert oracle.local_to_instant(d, minute, tz) == int(exp.astimezone(timezone.utc).timestamp())


# ---------------------------------------------------------------- grid -----
def test_kathmandu_grid_in_utc_vs_local():
    # 09:00-11:00 +05:45 = 03:15-05:15Z.  Grid in UTC: 04:00Z only.
    h = [host("Asia/Kathmandu", {"mon": [["09:00", "11:00"]]})]
    r = ("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z")
    assert starts(doc(h, *r, duration=60, timezone="UTC")) == ["2026-06-01T04:00:00Z"]
    # Grid in Kathmandu (event.timezone defaults to the host's): 03:15Z, 04:15Z.
    assert starts(doc(h, *r, duration=60)) == ["2026-06-01T03:15:00Z", "2026-06-01T04:15:00Z"]


def test_odd_interval_g_is_one_and_notice_with_seconds():
    # interval 7 -> g = 1.  now 08:59:30 + notice 3 = 09:02:30 -> 09:03.
    h = [host("UTC", {"mon": [["09:00", "09:30"]]})]
    d = doc(h, "2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", now="2026-06-01T08:59:30Z",
            duration=10, interval=7, minimum_notice=3)
    assert starts(d) == ["2026-06-01T09:03:00Z", "2026-06-01T09:10:00Z", "2026-06-01T09:17:00Z"]


def test_interval_45_grid_15_and_notice():
    # interval 45 -> g = 15.  now 08:59:30 + 7 = 09:06:30 -> 09:07 -> 09:15.
    h = [host("UTC", {"mon": [["09:00", "12:00"]]})]
    d = doc(h, "2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", now="2026-06-01T08:59:30Z",
            duration=45, interval=45, minimum_notice=7)
    assert starts(d) == ["2026-06-01T09:15:00Z", "2026-06-01T10:00:00Z", "2026-06-01T10:45:00Z"]


def test_24_00_and_merge_across_dates():
    # Sat 22:00-24:00 + Sun 00:00-02:00 = one 4-hour window; a 240-minute event fits once.
    h = [host("UTC", {"sat": [["22:00", "24:00"]], "sun": [["00:00", "02:00"]]})]
    d = doc(h, "2026-06-06T00:00:00Z", "2026-06-08T00:00:00Z", duration=240, interval=60)
    assert starts(d) == ["2026-06-06T22:00:00Z"]


def test_range_only_filters():
    # Same as above but the range starts at 23:00: the 22:00-anchored grid gives
    # 23:00 ... only if the window is long enough.  Window 22:00-02:00, duration 60:
    # starts 22:00, 23:00, 00:00, 01:00; range [23:00, 01:00) keeps 23:00, 00:00.
    h = [host("UTC", {"sat": [["22:00", "24:00"]], "sun": [["00:00", "02:00"]]})]
    d = doc(h, "2026-06-06T23:00:00Z", "2026-06-07T01:00:00Z", duration=60, interval=90)
    # interval 90 -> g=30: 22:00, 23:30, 01:00 (01:00+60 <= 02:00) ; range keeps 23:30.
    assert starts(d) == ["2026-06-06T23:30:00Z"]


def test_overrides_and_day_off():
    h = [host("UTC", {"mon": [["09:00", "10:00"]]}, overrides={"2026-06-01": [], "2026-06-02": [["13:00", "14:00"]]})]
    d = doc(h, "2026-06-01T00:00:00Z", "2026-06-09T00:00:00Z", duration=60)
    assert starts(d) == ["2026-06-02T13:00:00Z", "2026-06-08T09:00:00Z"]


# ---------------------------------------------------------- buffers --------
def test_buffers_rule_2():
    # event before 15, after 10; booking 12:00-12:30 (before 5, after 20) blocks
    # [11:45, 13:05); busy 15:00-16:00 blocks [14:50, 16:15).
    h = [host("UTC", {"mon": [["09:00", "17:00"]]},
              busy=[{"start": "2026-06-01T15:00:00Z", "end": "2026-06-01T16:00:00Z"}],
              bookings=[{"start": "2026-06-01T12:00:00Z", "end": "2026-06-01T12:30:00Z",
                         "buffer_before": 5, "buffer_after": 20}])]
    d = doc(h, "2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", buffer_before=15, buffer_after=10)
    exp = ["09:00", "09:30", "10:00", "10:30", "11:00", "13:30", "14:00", "16:30"]
    assert starts(d) == ["2026-06-01T%s:00Z" % t for t in exp]


# ---------------------------------------------------------- limits ---------
def test_max_per_day_host_local_date_and_booking_window():
    # Host in Auckland (NZST +12 in June).  A same_event booking at 2026-06-01T20:00Z
    # is local 06-02 08:00, so local 06-02 is full (max_per_day 1); local 06-01 is not.
    h = [host("Pacific/Auckland", {"mon": [["09:00", "10:00"]], "tue": [["09:00", "10:00"]], "wed": [["09:00", "10:00"]]},
              bookings=[{"start": "2026-06-01T20:00:00Z", "end": "2026-06-01T20:30:00Z", "same_event": True}])]
    d = doc(h, "2026-05-31T00:00:00Z", "2026-06-04T00:00:00Z", now="2026-05-30T00:00:00Z", duration=60, max_per_day=1)
    # mon 06-01 09:00 NZST = 05-31T21:00Z; tue 06-02 -> full; wed 06-03 09:00 = 06-02T21:00Z
    assert starts(d) == ["2026-05-31T21:00:00Z", "2026-06-02T21:00:00Z"]
    # booking window 3 days from 05-30T00:00Z -> start < 06-02T00:00Z
    d["event"]["booking_window_days"] = 3
    assert starts(d) == ["2026-05-31T21:00:00Z"]
    # a non-same_event booking does not count (but still blocks its own time only)
    d["event"]["booking_window_days"] = None
    d["hosts"][0]["bookings"][0]["same_event"] = False
    assert len(starts(d)) == 3


def test_max_per_week_iso_week():
    # UTC host, every day 09-10; same_event bookings Mon 06-01 and Tue 06-02 (earlier hours);
    # max_per_week 2 -> no start in ISO week 23 (06-01..06-07), starts again Mon 06-08.
    h = [host("UTC", {k: [["09:00", "10:00"]] for k in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
              bookings=[{"start": "2026-06-01T07:00:00Z", "end": "2026-06-01T07:30:00Z", "same_event": True},
                        {"start": "2026-06-02T07:00:00Z", "end": "2026-06-02T07:30:00Z", "same_event": True}])]
    d = doc(h, "2026-06-05T00:00:00Z", "2026-06-10T00:00:00Z", duration=60, max_per_week=2)
    assert starts(d) == ["2026-06-08T09:00:00Z", "2026-06-09T09:00:00Z"]


# ---------------------------------------------------------- kinds ----------
def test_collective_and_round_robin():
    a = host("UTC", {"mon": [["09:00", "12:00"]]}, hid="b-utc")
    b = host("Europe/Berlin", {"mon": [["12:00", "15:00"]]}, hid="A-berlin")  # 10-13Z in June
    r = ("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z")
    col = slots(doc([a, b], *r, kind="collective", duration=60, timezone="UTC"))
    assert [(s["start"][11:16], s["hosts"]) for s in col] == [("10:00", ["A-berlin", "b-utc"]), ("11:00", ["A-berlin", "b-utc"])]
    rr = slots(doc([a, b], *r, kind="round_robin", duration=60, timezone="UTC"))
    assert [(s["start"][11:16], s["hosts"]) for s in rr] == [
        ("09:00", ["b-utc"]), ("10:00", ["A-berlin", "b-utc"]), ("11:00", ["A-berlin", "b-utc"]), ("12:00", ["A-berlin"])]
    # collective with a limit: one host at its day limit removes every start that day
    b2 = copy.deepcopy(b)
    b2["bookings"] = [{"start": "2026-06-01T05:00:00Z", "end": "2026-06-01T05:30:00Z", "same_event": True}]
    assert slots(doc([a, b2], *r, kind="collective", duration=60, max_per_day=1)) == []
    rr = slots(doc([a, b2], *r, kind="round_robin", duration=60, max_per_day=1, timezone="UTC"))
    assert [(s["start"][11:16], s["hosts"]) for s in rr] == [("09:00", ["b-utc"]), ("10:00", ["b-utc"]), ("11:00", ["b-utc"])]


# ----------------------------------------------------------- seats ---------
def test_seats_join_existing_bookings():
    # seats 5, UTC Mon 09-13, 60/60.  same_event bookings: 10:00 (2) + 10:00 (1)
    # -> join 10:00 with 2 left; 12:00 (5) -> full, no join; both block -> rule-5
    # starts 09:00, 11:00 (seats_left 5).  Event buffer_after 0.
    h = [host("UTC", {"mon": [["09:00", "13:00"]]}, bookings=[
        {"start": "2026-06-01T10:00:00Z", "end": "2026-06-01T11:00:00Z", "attendees": 2, "same_event": True},
        {"start": "2026-06-01T10:00:00Z", "end": "2026-06-01T11:00:00Z", "same_event": True},
        {"start": "2026-06-01T12:00:00Z", "end": "2026-06-01T13:00:00Z", "attendees": 5, "same_event": True},
    ])]
    r = ("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z")
    s = slots(doc(h, *r, duration=60, seats=5, max_per_day=1))
    # max_per_day 1 is reached (3 same_event bookings) -> no rule-5 start, joins still offered
    assert [(x["start"][11:16], x["seats_left"]) for x in s] == [("10:00", 2)]
    s = slots(doc(h, *r, duration=60, seats=5))
    assert [(x["start"][11:16], x["seats_left"]) for x in s] == [("09:00", 5), ("10:00", 2), ("11:00", 5)]
    # a busy block overlapping the joined meeting removes the join
    h2 = copy.deepcopy(h)
    h2[0]["busy"] = [{"start": "2026-06-01T10:30:00Z", "end": "2026-06-01T10:45:00Z"}]
    s = slots(doc(h2, *r, duration=60, seats=5))
    assert [(x["start"][11:16], x["seats_left"]) for x in s] == [("09:00", 5), ("11:00", 5)]
    # the event's buffer_after (30) makes the 12:00 booking block [11:30, 13:00):
    # the join [10:00, 11:00) does not overlap it -> still offered; rule-5 starts
    # 09:00 would end 10:00 but 10:00 booking blocks [09:30, 11:00) -> gone.
    s = slots(doc(h, *r, duration=60, seats=5, buffer_after=30))
    assert [(x["start"][11:16], x["seats_left"]) for x in s] == [("10:00", 2)]
    # outside working hours -> no join
    h3 = copy.deepcopy(h)
    h3[0]["weekly"] = {"mon": [["10:30", "13:00"]]}
    s = slots(doc(h3, *r, duration=60, seats=5))
    assert [(x["start"][11:16], x["seats_left"]) for x in s] == [("11:00", 5)]


# ------------------------------------------------------------ output -------
def test_output_format_via_cli():
    p = subprocess.run([sys.executable, os.path.join(HERE, "oracle.py")], input=json.dumps(example()),
                       capture_output=True, text=True)
    assert p.returncode == 0 and p.stderr == ""
    out = json.loads(p.stdout)
    assert set(out) == {"slots"}
    for s in out["slots"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s["start"])
    p = subprocess.run([sys.executable, os.path.join(HERE, "oracle.py")], input="{", capture_output=True, text=True)
    assert p.returncode == 2 and p.stdout == "" and p.stderr.startswith("error: ")


def test_offset_instants_and_zero_fraction():
    d = example()
    d["now"] = "2026-03-20T13:00:00.000+01:00"
    d["range"]["start"] = "2026-03-22T20:00:00-04:00"  # = 03-23T00:00Z
    assert slots(d) == slots(example())


# -------------------------------------------------------- validation -------
def test_validation_examples_from_contract_in_document_order():
    d = example()
    d["hosts"][0]["weekly"]["mon"][1] = ["17:00", "13:00"]
    h2 = copy.deepcopy(d["hosts"][0])
    h2["id"] = "bob"
    h2["timezone"] = "Mars/Base"
    d["hosts"].append(h2)
    d["event"]["kind"] = "round_robin"
    assert error_paths(d) == ["hosts[0].weekly.mon[1]", "hosts[1].timezone", "hosts[1].weekly.mon[1]"]
    code, _, err = run(d)
    assert 'hosts[1].timezone: unknown time zone "Mars/Base"' in err[1]


@pytest.mark.parametrize("mutate,paths", [
    (lambda d: d["event"].pop("duration"), ["event.duration"]),
    (lambda d: d["event"].__setitem__("duration", None), ["event.duration"]),
    (lambda d: d["event"].__setitem__("duration", 30.0), ["event.duration"]),
    (lambda d: d["event"].__setitem__("duration", 1441), ["event.duration"]),
    (lambda d: d["event"].__setitem__("interval", 0), ["event.interval"]),
    (lambda d: d["event"].__setitem__("kind", "group"), ["event.kind"]),
    (lambda d: d["event"].__setitem__("seats", 2) or d["event"].__setitem__("kind", "collective"), ["event"]),
    (lambda d: d["event"].__setitem__("timezone", "europe/berlin"), ["event.timezone"]),
    (lambda d: d["event"].__setitem__("max_per_day", -1), ["event.max_per_day"]),
    (lambda d: d["hosts"][0]["weekly"].__setitem__("funday", []), ["hosts[0].weekly.funday"]),
    (lambda d: d["hosts"][0]["weekly"].__setitem__("wed", [["24:00", "24:00"]]), ["hosts[0].weekly.wed[0][0]"]),
    (lambda d: d["hosts"][0]["weekly"].__setitem__("wed", [["9:00", "24:01"]]), ["hosts[0].weekly.wed[0][0]", "hosts[0].weekly.wed[0][1]"]),
    (lambda d: d["hosts"][0]["weekly"].__setitem__("wed", [["09:00"]]), ["hosts[0].weekly.wed[0]"]),
    (lambda d: d["hosts"][0]["overrides"].__setitem__("2026-02-30", []), ["hosts[0].overrides.2026-02-30"]),
    (lambda d: d["hosts"][0]["busy"][0].__setitem__("end", "2026-03-23T10:00:00Z"), ["hosts[0].busy[0]"]),
    (lambda d: d["hosts"][0]["bookings"][0].__setitem__("attendees", 0), ["hosts[0].bookings[0].attendees"]),
    (lambda d: d["hosts"][0]["bookings"][0].__setitem__("same_event", 1), ["hosts[0].bookings[0].same_event"]),
    (lambda d: d["hosts"][0]["bookings"][0].__setitem__("buffer_after", 525601), ["hosts[0].bookings[0].buffer_after"]),
    (lambda d: d["hosts"][0].pop("timezone"), ["hosts[0].timezone"]),
    (lambda d: d["hosts"][0].__setitem__("colour", "red"), ["hosts[0].colour"]),
    (lambda d: d["hosts"].append(copy.deepcopy(d["hosts"][0])) or d["event"].__setitem__("kind", "round_robin"), ["hosts[1].id"]),
    (lambda d: d["hosts"].append(dict(copy.deepcopy(d["hosts"][0]), id="bob")), ["hosts"]),
    (lambda d: d.__setitem__("hosts", []), ["hosts"]),
    (lambda d: d.__setitem__("now", "2026-03-20T12:00:00.5Z"), ["now"]),
    (lambda d: d.__setitem__("now", "2026-03-20 12:00:00Z"), ["now"]),
    (lambda d: d.__setitem__("now", "2026-03-20T12:00Z"), ["now"]),
    (lambda d: d.pop("now"), ["now"]),
    (lambda d: d["range"].__setitem__("end", "2026-03-23T00:00:00Z"), ["range"]),
    (lambda d: d["range"].__setitem__("end", "2027-03-25T00:00:00Z"), ["range"]),
    (lambda d: d["range"].update(start="2031-03-19T00:00:00Z", end="2031-03-20T12:00:01Z"), ["range.end"]),
    (lambda d: d.__setitem__("extra", 1), ["extra"]),
])
def test_validation_paths(mutate, paths):
    d = example()
    mutate(d)
    assert error_paths(d) == paths


def test_valid_edge_values():
    d = example()
    d["range"] = {"start": "2031-03-19T00:00:00Z", "end": "2031-03-20T12:00:00Z"}  # exactly 5 years
    d["event"]["interval"] = None  # null = absent
    d["event"]["timezone"] = "US/Eastern"  # a link
    d["hosts"][0]["weekly"]["sun"] = None
    assert run(d)[0] == 0
    d = example()
    d["range"] = {"start": "2026-03-23T00:00:00Z", "end": "2027-03-24T00:00:00Z"}  # exactly 366 days
    assert run(d)[0] == 0


def test_duplicate_json_key_is_invalid():
    text = json.dumps(example()).replace('"duration": 30', '"duration": 30, "duration": 30')
    code, _, err = run(text)
    assert code == 2 and err[0].startswith("error: event.duration:")


def test_year_of_data_is_fast():
    import time

    h = [host("Europe/Berlin", {k: [["09:00", "17:00"]] for k in ("mon", "tue", "wed", "thu", "fri")}, hid="h%d" % i)
         for i in range(3)]
    d = doc(h, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", now="2025-12-31T00:00:00Z",
            kind="round_robin", interval=15)
    t = time.time()
    assert len(slots(d)) == 261 * 31
    assert time.time() - t < 10
