#!/usr/bin/env python3
"""Booking throughput on PostgreSQL with two server processes, with wrk, release build.

Usage: tools/bench-http-pg.py [BINARY] [SECONDS] [DATABASE_ADMIN_URL]

Creates a fresh database on the PostgreSQL that DATABASE_ADMIN_URL names (default: the local
one, user postgres), starts two `rendezvous serve` processes on it (each with its in-process
workers), creates a round-the-clock host with a 5-minute event type, and books it from two
wrk processes at once, one per server, every request a different free start spread over the
year ahead (the two halve the starts between them, so a refusal is a real conflict, not the
benchmark booking the same start twice). Afterwards it reads every booking back and checks
that no two overlap and that their number matches the 201 answers wrk counted. Prints each
process's figure and the sum. Drops the database at the end. Needs `wrk` and `psql`.
"""
import datetime
import os
import re
import subprocess
import sys
import time

from benchlib import BenchServer, all_bookings, call, free_port

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/rendezvous")
seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
admin_url = sys.argv[3] if len(sys.argv) > 3 else "postgres://postgres@127.0.0.1:5432/postgres"

LUA = """
local base = {base}
local part = {part}
local threads = {{}}
local counter = 0
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function request()
  -- Two threads per wrk, two wrk processes: start n belongs to exactly one of the four.
  local n = ((id + counter * 2) * 2 + part)
  counter = counter + 1
  local slot = (n * 7919) % 100000
  local t = os.date("!%Y-%m-%dT%H:%M:%SZ", base + slot * 300)
  local body = '{{"start":"' .. t .. '","name":"Bench","email":"b' .. n .. '@bench.example","time_zone":"UTC"}}'
  return wrk.format("POST", nil, {{["Content-Type"] = "application/json"}}, body)
end
"""


def psql(url, sql):
    subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                   capture_output=True)


def main():
    name = f"rdv_bench_{os.getpid()}"
    psql(admin_url, f"CREATE DATABASE {name}")
    database_url = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        run(database_url)
    finally:
        psql(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run(database_url):
    with BenchServer(binary, RENDEZVOUS_DATABASE_URL=database_url) as bench:
        second_port = free_port()
        bench.spawn("serve", RENDEZVOUS_LISTEN=f"127.0.0.1:{second_port}")
        second = f"http://127.0.0.1:{second_port}"
        for _ in range(200):
            try:
                call(second, "GET", "/healthz")
                break
            except OSError:
                time.sleep(0.05)
        base, key, workdir = bench.base, bench.key, bench.workdir
        always = call(base, "POST", "/api/v1/schedules", key,
                      {"name": "Always", "time_zone": "UTC",
                       "weekly": {d: [["00:00", "24:00"]]
                                  for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}})
        quick = call(base, "POST", "/api/v1/event-types", key,
                     {"slug": "quick", "title": "Quick", "duration_minutes": 5,
                      "schedule_id": always["id"]})
        start = datetime.datetime.combine(datetime.date.today() + datetime.timedelta(days=2),
                                          datetime.time(), datetime.timezone.utc)
        path = f"/api/v1/public/event-types/{quick['id']}/bookings"
        runs = []
        for part, server in enumerate([base, second]):
            lua = os.path.join(workdir, f"book{part}.lua")
            with open(lua, "w") as f:
                f.write(LUA.format(base=int(start.timestamp()), part=part))
            runs.append(subprocess.Popen(
                ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", lua, server + path],
                stdout=subprocess.PIPE, text=True))
        created = gave_up = 0
        rate = 0.0
        for part, process in enumerate(runs):
            out, _ = process.communicate()
            print(f"== process {part + 1}\n{out}")
            total = int(re.search(r"(\d+) requests in", out).group(1))
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            created += total - (int(non2xx.group(1)) if non2xx else 0)
            timeouts = re.search(r"timeout (\d+)", out)
            gave_up += int(timeouts.group(1)) if timeouts else 0
            rate += float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        bookings = all_bookings(base, key)
        held = sorted((b["start"], b["end"]) for b in bookings if b["status"] == "confirmed")
        overlaps = sum(1 for a, b in zip(held, held[1:]) if b[0] < a[1])
        print(f"== two processes: {rate:.0f} requests/s together; {created} answered 201, "
              f"{gave_up} timed out in wrk, {len(held)} bookings stored, {overlaps} overlapping")
        in_flight = 2 * 8
        if overlaps or not created <= len(held) <= created + gave_up + in_flight:
            sys.exit("double booking or lost booking")


if __name__ == "__main__":
    main()
