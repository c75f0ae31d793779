#!/usr/bin/env python3
"""HTTP benchmarks of the scheduling API with wrk, against a release build on SQLite.

Usage: tools/bench-http.py [BINARY] [SECONDS]

Starts `rendezvous serve` on a fresh SQLite database in a temporary directory, creates an
organization, a host with a Berlin Mon-Fri 09:00-17:00 schedule and a round-the-clock one,
then runs:
  1. GET slots of a 30-minute event type for one month, shown in America/New_York;
  2. POST bookings of a 5-minute event type, every request a different free start, spread
     over the year ahead (a busy host: the same number of bookings a day as requests a day);
  3. the same, booked back to back from one start on (the worst case: every check reads the
     thousands of bookings of the days around it);
  4. GET slots of a round-robin team event type with 100 hosts (staggered hours, 300 bookings
     made through it first) for 31 days.
Afterwards it reads every booking back and checks that no two overlap and that their number
equals the 201 answers wrk counted. Needs `wrk` (Debian package).
"""
import datetime
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

from benchlib import BenchServer, all_bookings, call

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/rendezvous")
seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 20


def wrk(args):
    out = subprocess.run(["wrk", *args], capture_output=True, text=True, check=True).stdout
    print(out)
    return out


def round_robin_team(base, key, first):
    """A team of 100 hosts with staggered weekday hours in Berlin, a round-robin event type
    they host, and 300 bookings made through it; returns the path of its 31-day slots."""
    team = call(base, "POST", "/api/v1/teams", key, {"slug": "team", "name": "Team"})
    hosts = []
    for n in range(100):
        user = call(base, "POST", "/api/v1/users", key,
                    {"email": f"host{n}@bench.example", "name": f"Host {n}", "role": "member"})
        hours = [[f"{8 + n % 3:02d}:00", f"{15 + n % 3:02d}:30"]]
        call(base, "POST", "/api/v1/schedules", key,
             {"user_id": user["id"], "name": "Office", "time_zone": "Europe/Berlin",
              "weekly": {d: hours for d in ["mon", "tue", "wed", "thu", "fri"]}})
        call(base, "PUT", f"/api/v1/teams/{team['id']}/members/{user['id']}", key, {"role": "member"})
        hosts.append({"user_id": user["id"], "weight": 1 + n % 5})
    event = call(base, "POST", "/api/v1/event-types", key,
                 {"slug": "team-call", "title": "Team call", "duration_minutes": 30})
    call(base, "PUT", f"/api/v1/event-types/{event['id']}/team", key,
         {"team_id": team["id"], "kind": "round_robin", "strategy": "weighted", "hosts": hosts})
    booked = 0
    for n in range(300):
        day = first + datetime.timedelta(days=n % 31)
        at = datetime.datetime.combine(day, datetime.time(8 + n % 9, 30 * (n // 31 % 2)),
                                       datetime.timezone.utc)
        try:
            call(base, "POST", f"/api/v1/public/event-types/{event['id']}/bookings", None,
                 {"start": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "name": "Bench",
                  "email": f"t{n}@bench.example", "time_zone": "UTC"})
            booked += 1
        except urllib.error.HTTPError:
            pass  # a weekend, or outside everyone's hours
    print(f"== team: 100 hosts, {booked} bookings made through the round-robin event type")
    last = first + datetime.timedelta(days=30)
    return (f"/api/v1/public/event-types/{event['id']}/slots"
            f"?start={first}&end={last}&timeZone=America/New_York")


def main():
    with BenchServer(binary) as bench:
        base, key, workdir = bench.base, bench.key, bench.workdir
        weekdays = {d: [["09:00", "17:00"]] for d in ["mon", "tue", "wed", "thu", "fri"]}
        call(base, "POST", "/api/v1/schedules", key,
             {"name": "Office", "time_zone": "Europe/Berlin", "weekly": weekdays})
        always = call(base, "POST", "/api/v1/schedules", key,
                      {"name": "Always", "time_zone": "UTC",
                       "weekly": {d: [["00:00", "24:00"]] for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}})
        office = call(base, "POST", "/api/v1/event-types", key,
                      {"slug": "call", "title": "Call", "duration_minutes": 30, "interval_minutes": 15})

        today = datetime.date.today()
        first = today + datetime.timedelta(days=7)
        last = first + datetime.timedelta(days=30)
        slots_path = (f"/api/v1/public/event-types/{office['id']}/slots"
                      f"?start={first}&end={last}&timeZone=America/New_York")
        shown = call(base, "GET", slots_path)
        count = sum(len(d["slots"]) for d in shown["days"])
        print(f"== slots: one host, one month ({count} slots per answer)")
        wrk(["-t2", "-c8", f"-d{seconds}s", "--latency", base + slots_path])

        team_slots_path = round_robin_team(base, key, first)
        shown = call(base, "GET", team_slots_path)
        count = sum(len(d["slots"]) for d in shown["days"])
        print(f"== slots: round-robin team of 100 hosts, 31 days ({count} slots per answer), one at a time")
        wrk(["-t1", "-c1", f"-d{seconds}s", "--latency", base + team_slots_path])
        print("== slots: round-robin team of 100 hosts, 31 days, 8 connections")
        wrk(["-t2", "-c8", f"-d{seconds}s", "--latency", base + team_slots_path])

        start = datetime.datetime.combine(today + datetime.timedelta(days=2), datetime.time(), datetime.timezone.utc)
        lua_body = f"""
local base = {int(start.timestamp())}
local threads = {{}}
local counter = 0
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  step = 2
end
function request()
  local n = id + counter * step
  counter = counter + 1
  local slot = SPREAD and (n * 7919) % 100000 or n
  local t = os.date("!%Y-%m-%dT%H:%M:%SZ", base + slot * 300)
  local body = '{{"start":"' .. t .. '","name":"Bench","email":"b' .. n .. '@bench.example","time_zone":"UTC"}}'
  return wrk.format("POST", nil, {{["Content-Type"] = "application/json"}}, body)
end
"""
        created = gave_up = 0
        quick_ids = set()
        for name, spread in [("spread over a year", True), ("back to back", False)]:
            quick = call(base, "POST", "/api/v1/event-types", key,
                         {"slug": f"quick-{int(spread)}", "title": "Quick", "duration_minutes": 5,
                          "schedule_id": always["id"]})
            quick_ids.add(quick["id"])
            lua = os.path.join(workdir, f"book{int(spread)}.lua")
            with open(lua, "w") as f:
                # The two runs book different halves of the day-slots, so they never meet.
                offset = 0 if spread else 100000
                f.write(f"SPREAD = {'true' if spread else 'false'}\n" + lua_body.replace("local base = ", f"local base = {offset} * 300 + "))
            book_url = f"{base}/api/v1/public/event-types/{quick['id']}/bookings"
            print(f"== bookings: one host, each request a different free start, {name}")
            book_out = wrk(["-t2", "-c8", f"-d{seconds}s", "--latency", "-s", lua, book_url])
            total = int(re.search(r"(\d+) requests in", book_out).group(1))
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", book_out)
            created += total - (int(non2xx.group(1)) if non2xx else 0)
            # A request wrk gave up on (its 2 s timeout) may still have committed.
            timeouts = re.search(r"timeout (\d+)", book_out)
            gave_up += int(timeouts.group(1)) if timeouts else 0

        bookings = all_bookings(base, key)
        # No host's confirmed bookings overlap (team bookings hold each of their hosts).
        by_host = {}
        for b in bookings:
            if b["status"] == "confirmed":
                for h in b["hosts"]:
                    by_host.setdefault(h["user_id"], []).append((b["start"], b["end"]))
        overlaps = 0
        for held in by_host.values():
            held.sort()
            overlaps += sum(1 for a, b in zip(held, held[1:]) if b[0] < a[1])
        spans = [b for b in bookings if b["status"] == "confirmed" and b["event_type_id"] in quick_ids]
        print(f"== check: {created} answered 201, {gave_up} timed out in wrk, up to 16 in flight at the end, {len(spans)} bookings stored, "
              f"{overlaps} overlapping")
        # wrk stops with up to one request in flight per connection (8 per run): the server
        # may commit those without wrk counting the answer.
        in_flight = 2 * 8
        if overlaps or not created <= len(spans) <= created + gave_up + in_flight:
            sys.exit("double booking or lost booking")


if __name__ == "__main__":
    main()
