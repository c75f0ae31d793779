#!/usr/bin/env python3
"""The booking page's first view: server time and bytes on the wire.

Usage: tools/bench-pages.py [BINARY] [REQUESTS]

Starts `rendezvous serve` on a fresh SQLite database, makes a Berlin host with an event type
(two questions, a Jitsi location), then:
  1. requests the booking page REQUESTS times over one keep-alive connection and reports
     p50/p99/max of the time to the last byte (loopback: an upper bound of server time);
  2. the same for the slots call the page's script makes for the month;
  3. the gzip-compressed sizes of everything the first view loads (HTML, CSS, JS) and of the
     month's slots (JSON data).
Budgets (issue 9): first render under 100 ms server time, under 50 KB HTML+CSS+JS gzipped.
"""
import datetime
import html as htmllib
import http.client
import os
import re
import sys
import time
import urllib.request

from benchlib import BenchServer, call

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/rendezvous")
requests = int(sys.argv[2]) if len(sys.argv) > 2 else 500


def timed(port, path, n):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
        resp = conn.getresponse()
        resp.read()
        times.append((time.perf_counter() - t) * 1000)
        assert resp.status == 200, (path, resp.status)
    conn.close()
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99) - 1], times[-1]


def gzipped(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 200, (path, resp.status)
    return len(body), resp.getheader("Content-Encoding") or "identity"


def main():
    with BenchServer(binary) as bench:
        base, key, port = bench.base, bench.key, bench.port
        weekdays = {d: [["09:00", "17:00"]] for d in ["mon", "tue", "wed", "thu", "fri"]}
        call(base, "POST", "/api/v1/schedules", key,
             {"name": "Office", "time_zone": "Europe/Berlin", "weekly": weekdays})
        event = call(base, "POST", "/api/v1/event-types", key,
                     {"slug": "intro", "title": "Intro call", "duration_minutes": 30,
                      "description": "A first talk about what you need.",
                      "locations": [{"kind": "jitsi"}],
                      "questions": [
                          {"key": "company", "label": "Company", "kind": "short_text", "required": True},
                          {"key": "topic", "label": "Topic", "kind": "select", "options": ["Sales", "Support"]}]})
        page = f"/book/{event['id']}"
        # Template escaping writes '/' in attributes as &#x2f;.
        html = htmllib.unescape(urllib.request.urlopen(base + page).read().decode())
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
        today = datetime.date.today()
        first = today.replace(day=1)
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        slots = (f"/api/v1/public/event-types/{event['id']}/slots"
                 f"?start={first}&end={last}&timeZone=America/New_York&duration=30")

        timed(port, page, 50)  # warm up
        p50, p99, worst = timed(port, page, requests)
        print(f"booking page, {requests} requests: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.2f} ms")
        p50, p99, worst = timed(port, slots, requests)
        print(f"month of slots, {requests} requests: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.2f} ms")

        total = 0
        for path in [page, *assets]:
            size, encoding = gzipped(port, path)
            total += size
            print(f"{path.split('?')[0]:<60} {size:>7,} bytes ({encoding})")
        print(f"{'first view, HTML + CSS + JS':<60} {total:>7,} bytes")
        size, encoding = gzipped(port, slots)
        print(f"{'month of slots (JSON data)':<60} {size:>7,} bytes ({encoding})")


if __name__ == "__main__":
    main()
