"""What the HTTP benchmarks share: a `rendezvous serve` of their own and JSON calls to it.

`BenchServer` makes a fresh directory, creates an organization there with
`rendezvous admin create-organization` (its owner's API key is `key`), starts `rendezvous serve`
on a free port with the public rate limits lifted (benchmarks book from one address as fast as
they can), waits for `/healthz`, and on exit stops every process it started and removes the
directory.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

UNLIMITED = "1000000000"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, key=None, body=None):
    req = urllib.request.Request(base + path, method=method)
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, data) as resp:
        return json.loads(resp.read() or b"null")


def all_bookings(base, key):
    """Every booking of the organization, read back through the API page by page."""
    bookings, cursor = [], None
    while True:
        path = "/api/v1/bookings?limit=200" + (f"&cursor={cursor}" if cursor else "")
        page = call(base, "GET", path, key)
        bookings += page["bookings"]
        cursor = page["next_cursor"]
        if not cursor:
            return bookings


class BenchServer:
    """`settings` are extra environment variables (`RENDEZVOUS_...`) for every process."""

    def __init__(self, binary, owner_time_zone="Europe/Berlin", startup_seconds=10, wrapper=(),
                 **settings):
        """`wrapper` prefixes the `serve` command (`valgrind --tool=callgrind ...`)."""
        self.binary = binary
        self.wrapper = list(wrapper)
        self.startup_seconds = startup_seconds
        self.owner_time_zone = owner_time_zone
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, RENDEZVOUS_LISTEN=f"127.0.0.1:{self.port}",
                        RENDEZVOUS_LOG_LEVEL="warn",
                        RENDEZVOUS_BOOKING_RATE_PER_IP=UNLIMITED,
                        RENDEZVOUS_BOOKING_RATE_PER_EVENT_TYPE=UNLIMITED,
                        RENDEZVOUS_MANAGE_RATE_PER_IP=UNLIMITED, **settings)
        self.workdir = None
        self.key = None
        self.server = None
        self.processes = []

    def __enter__(self):
        self.workdir = tempfile.mkdtemp(prefix="rdv-bench-")
        self.key = subprocess.run(
            [self.binary, "admin", "create-organization", "--name", "Bench", "--slug", "bench",
             "--owner-email", "owner@bench.example", "--owner-name", "Olive",
             "--owner-time-zone", self.owner_time_zone],
            cwd=self.workdir, env=self.env, capture_output=True, text=True, check=True,
        ).stdout.strip()
        self.server = self.spawn("serve", wrapper=self.wrapper)
        for _ in range(self.startup_seconds * 20):
            try:
                urllib.request.urlopen(self.base + "/healthz")
                return self
            except OSError:
                time.sleep(0.05)
        self.__exit__(None, None, None)
        raise RuntimeError(f"rendezvous serve did not answer /healthz within {self.startup_seconds} s")

    def spawn(self, *args, wrapper=(), **settings):
        """Starts `rendezvous ARGS...` in the server's directory; stopped on exit."""
        process = subprocess.Popen([*wrapper, self.binary, *args], cwd=self.workdir,
                                   env=dict(self.env, **settings),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    @staticmethod
    def stop(process, timeout=30):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def call(self, method, path, body=None, key=None):
        """A call as the organization's owner (or with `key`)."""
        return call(self.base, method, path, key or self.key, body)

    def __exit__(self, *_):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            self.stop(process)
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return False
