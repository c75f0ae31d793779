#!/usr/bin/env python3
"""Time from exec of `rendezvous serve` to its first 200 from /healthz, against an existing,
migrated database. Usage: [BENCH_DATABASE_URL=postgres://...] tools/bench-startup.py [BINARY] [RUNS]

Runs in a temporary directory; the first (unmeasured) run creates and migrates the database
and the secret key, so every measured run is a restart against an existing database.
"""
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/rendezvous")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run(workdir, env):
    port = free_port()
    env = dict(env, RENDEZVOUS_LISTEN=f"127.0.0.1:{port}")
    url = f"http://127.0.0.1:{port}/healthz"
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "serve"], cwd=workdir, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1) as r:
                    if r.status == 200:
                        return (time.perf_counter() - start) * 1000
            except OSError:
                if proc.poll() is not None:
                    sys.exit(f"server exited with {proc.returncode}")
                time.sleep(0.0002)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def main():
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENDEZVOUS_")}
    env["RENDEZVOUS_LOG_LEVEL"] = "warn"
    # BENCH_DATABASE_URL measures against PostgreSQL instead of ./rendezvous.db.
    if os.environ.get("BENCH_DATABASE_URL"):
        env["RENDEZVOUS_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    with tempfile.TemporaryDirectory() as workdir:
        one_run(workdir, env)  # creates and migrates rendezvous.db
        times = sorted(one_run(workdir, env) for _ in range(runs))
    print(f"{runs} runs of `{os.path.basename(binary)} serve` until GET /healthz answers 200:")
    print(f"  min {times[0]:.1f} ms, median {statistics.median(times):.1f} ms, "
          f"p90 {times[int(len(times) * 0.9) - 1]:.1f} ms, max {times[-1]:.1f} ms")


main()
