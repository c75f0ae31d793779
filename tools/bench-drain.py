#!/usr/bin/env python3
"""How fast queued webhook deliveries drain, with two `rendezvous worker` processes.

Usage: tools/bench-drain.py [BINARY] [sqlite|postgres] [DELIVERIES]

Starts `rendezvous serve` with its workers off, subscribes ten webhooks to a local receiver,
and books DELIVERIES / 10 times (each booking's event fans out to the ten subscriptions), so
DELIVERIES messages are queued and none sent. Then it starts two `rendezvous worker`
processes and times them until the receiver has every message. The receiver answers 200 at
once and counts `webhook-id`s: a message that arrives twice is reported (a retry after a lost
answer may legitimately repeat an id; with a receiver that never fails there should be none).

On `postgres`, a fresh database `rdv_bench_drain` is made on 127.0.0.1:5432 (user postgres,
trust auth, as on the CI machine) with `psql`.
"""
import asyncio
import datetime
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from benchlib import BenchServer, call, free_port

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/rendezvous")
backend = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
deliveries = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
SUBSCRIPTIONS = 10
bookings = deliveries // SUBSCRIPTIONS






class Receiver:
    """A bare HTTP/1.1 server on asyncio: reads each request, answers 200, keeps ids."""

    def __init__(self):
        self.ids = []
        self.first = None
        self.last = None
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait()

    def _run(self):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", self.port, backlog=1024))
        self.ready.set()
        self.loop.run_until_complete(server.serve_forever())

    async def _client(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                message_id = None
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value.strip())
                    elif name == b"webhook-id":
                        message_id = value.strip().decode()
                if length:
                    await reader.readexactly(length)
                now = time.monotonic()
                self.first = self.first or now
                self.last = now
                self.ids.append(message_id)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def postgres_database():
    psql = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c"]
    subprocess.run(psql + ["DROP DATABASE IF EXISTS rdv_bench_drain"], check=True)
    subprocess.run(psql + ["CREATE DATABASE rdv_bench_drain"], check=True)
    return "postgres://postgres@127.0.0.1:5432/rdv_bench_drain"


def main():
    receiver = Receiver()
    settings = dict(RENDEZVOUS_RUN_WORKERS="false", RENDEZVOUS_OUTBOUND_ALLOW='["127.0.0.0/8"]')
    if backend == "postgres":
        settings["RENDEZVOUS_DATABASE_URL"] = postgres_database()
    with BenchServer(binary, owner_time_zone="UTC", **settings) as bench:
        base, key = bench.base, bench.key
        call(base, "POST", "/api/v1/schedules", key,
             {"name": "Always", "time_zone": "UTC",
              "weekly": {d: [["00:00", "24:00"]]
                         for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}})
        event = call(base, "POST", "/api/v1/event-types", key,
                     {"slug": "ping", "title": "Ping", "duration_minutes": 5})
        for n in range(SUBSCRIPTIONS):
            call(base, "POST", "/api/v1/webhooks", key,
                 {"url": f"http://127.0.0.1:{receiver.port}/hook/{n}",
                  "events": ["booking.created"]})
        first = datetime.datetime.now(datetime.timezone.utc).replace(
            minute=0, second=0, microsecond=0) + datetime.timedelta(days=2)

        def book(n):
            at = first + datetime.timedelta(minutes=5 * n)
            call(base, "POST", f"/api/v1/public/event-types/{event['id']}/bookings", None,
                 {"start": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "name": "Bench",
                  "email": f"b{n}@bench.example", "time_zone": "UTC"})

        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(book, range(bookings)))
        print(f"== queued: {bookings} bookings x {SUBSCRIPTIONS} subscriptions = "
              f"{bookings * SUBSCRIPTIONS} deliveries in {time.monotonic() - started:.1f} s "
              f"({backend}); received so far: {len(receiver.ids)}")
        bench.stop(bench.server)

        started = time.monotonic()
        for _ in range(2):
            bench.spawn("worker", RENDEZVOUS_LOG_LEVEL="error")
        expected = bookings * SUBSCRIPTIONS
        deadline = started + 600
        while len(receiver.ids) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        received = len(receiver.ids)
        unique = len(set(receiver.ids))
        print(f"== drained: {received} received ({unique} distinct webhook-ids) in "
              f"{elapsed:.2f} s from worker start: {received / elapsed:.0f} deliveries/s")
        if receiver.first is not None and receiver.last > receiver.first:
            print(f"   first to last delivery: {receiver.last - receiver.first:.2f} s, "
                  f"{received / (receiver.last - receiver.first):.0f} deliveries/s")
        if unique != expected:
            print(f"!! expected {expected} distinct messages")
            sys.exit(1)


if __name__ == "__main__":
    main()
