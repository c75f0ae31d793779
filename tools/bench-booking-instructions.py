#!/usr/bin/env python3
"""Instructions per public booking, fan-out included: `rendezvous serve` under callgrind.

Usage: tools/bench-booking-instructions.py [BINARY] [BOOKINGS]

Runs the server twice under `valgrind --tool=callgrind` on a fresh SQLite database, with the
in-process workers on: once making no booking, once making BOOKINGS (default 200) public
bookings one after another (each a different free start of a 5-minute event type, spread
over the year ahead), waiting until their jobs (fan-out, e-mails logged, reminders kept
pending) are done. Prints both totals and the difference per booking, which leaves out
start-up, migrations and the set-up calls. Instruction counts do not depend on the load of
the machine, so the figure can be taken while other work runs.
"""
import datetime
import glob
import os
import re
import sqlite3
import sys
import time

from benchlib import BenchServer, call

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/rendezvous")
bookings = int(sys.argv[2]) if len(sys.argv) > 2 else 200


def run(count):
    out_dir = os.path.abspath(f"target/callgrind-bookings-{count}")
    os.makedirs(out_dir, exist_ok=True)
    for old in glob.glob(os.path.join(out_dir, "callgrind.out.*")):
        os.remove(old)
    wrapper = ["valgrind", "--tool=callgrind", "--quiet",
               f"--callgrind-out-file={out_dir}/callgrind.out.%p"]
    with BenchServer(binary, startup_seconds=300, wrapper=wrapper) as bench:
        always = bench.call("POST", "/api/v1/schedules",
                            {"name": "Always", "time_zone": "UTC",
                             "weekly": {d: [["00:00", "24:00"]]
                                        for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}})
        quick = bench.call("POST", "/api/v1/event-types",
                           {"slug": "quick", "title": "Quick", "duration_minutes": 5,
                            "schedule_id": always["id"]})
        start = datetime.datetime.combine(datetime.date.today() + datetime.timedelta(days=2),
                                          datetime.time(), datetime.timezone.utc)
        for n in range(count):
            at = start + datetime.timedelta(minutes=5 * ((n * 7919) % 100000))
            call(bench.base, "POST", f"/api/v1/public/event-types/{quick['id']}/bookings", None,
                 {"start": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "name": "Bench",
                  "email": f"b{n}@bench.example", "time_zone": "UTC"})
            if n and n % 50 == 0:
                print(f"   {n} of {count} booked", flush=True)
        # Let the workers drain what is due (the fan-out jobs and the e-mails they queue;
        # reminders stay pending for later) before stopping, read from the database itself.
        db = sqlite3.connect(f"file:{os.path.join(bench.workdir, 'rendezvous.db')}?mode=ro", uri=True)
        deadline = time.time() + 900
        while time.time() < deadline:
            now_ms = int(time.time() * 1000)
            (due,) = db.execute("SELECT count(*) FROM jobs WHERE state IN ('pending', 'running') "
                                "AND run_at <= ?", (now_ms,)).fetchone()
            if not due:
                break
            time.sleep(1)
        db.close()
    total = 0
    for path in glob.glob(os.path.join(out_dir, "callgrind.out.*")):
        with open(path, errors="replace") as f:
            for line in f:
                m = re.match(r"summary:\s+(\d+)", line) or re.match(r"totals:\s+(\d+)", line)
                if m:
                    total += int(m.group(1))
                    break
    return total


def main():
    print(f"== under callgrind: start-up and set-up only")
    base = run(0)
    print(f"   {base:,} instructions")
    print(f"== under callgrind: start-up, set-up and {bookings} bookings")
    full = run(bookings)
    print(f"   {full:,} instructions")
    per = (full - base) / bookings
    print(f"== {per / 1e6:.2f} M instructions per booking, fan-out included "
          f"({full / bookings / 1e6:.2f} M with start-up counted in, as first measured)")


if __name__ == "__main__":
    main()
