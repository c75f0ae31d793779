#!/usr/bin/env python3
"""A webhook receiver for tests: verifies every request with the Standard Webhooks reference
library and remembers what it got.

Prints `PORT <n>` on its first line once it listens on 127.0.0.1:<n>.

    POST /_config     {"secrets": ["whsec_..."], "fail_first": 3, "verify": true,
                       "delay_ms": 0}
                      secrets to verify with; answer 500 to the first `fail_first` tries of
                      every message id; `verify: false` skips verification (benchmarks);
                      `delay_ms` holds every answer back (to catch deliveries in flight).
    GET  /_received   every request so far: [{"id", "timestamp", "verified", "error",
                      "status", "body"}]
    GET  /_count      {"requests": n, "distinct_ids": m}
    POST anything     a webhook.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from standardwebhooks import Webhook
except ImportError:
    sys.stderr.write(
        "standardwebhooks is missing: python3 -m pip install -r tools/test-requirements.txt\n"
    )
    sys.exit(3)

LOCK = threading.Lock()
STATE = {
    "secrets": [],
    "fail_first": 0,
    "verify": True,
    "delay_ms": 0,
    "received": [],
    "tries": {},
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, status, body=b"", content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length)

    def do_GET(self):
        with LOCK:
            if self.path == "/_received":
                return self._reply(200, json.dumps(STATE["received"]).encode())
            if self.path == "/_count":
                ids = {r["id"] for r in STATE["received"]}
                count = {"requests": len(STATE["received"]), "distinct_ids": len(ids)}
                return self._reply(200, json.dumps(count).encode())
        self._reply(404)

    def do_POST(self):
        body = self._body()
        if self.path == "/_config":
            config = json.loads(body)
            with LOCK:
                STATE["secrets"] = config.get("secrets", [])
                STATE["fail_first"] = int(config.get("fail_first", 0))
                STATE["verify"] = bool(config.get("verify", True))
                STATE["delay_ms"] = int(config.get("delay_ms", 0))
                STATE["received"] = []
                STATE["tries"] = {}
            return self._reply(204)
        headers = {k.lower(): v for k, v in self.headers.items()}
        msg_id = headers.get("webhook-id", "")
        with LOCK:
            secrets = list(STATE["secrets"])
            verify = STATE["verify"]
        verified, error = (not verify), None
        if verify:
            for secret in secrets:
                try:
                    Webhook(secret).verify(body, headers)
                    verified = True
                    break
                except Exception as e:  # the library raises WebhookVerificationError
                    error = f"{type(e).__name__}: {e}"
            if not secrets:
                error = "no secret configured"
        with LOCK:
            tries = STATE["tries"].get(msg_id, 0) + 1
            STATE["tries"][msg_id] = tries
            status = 500 if tries <= STATE["fail_first"] else 204
            if not verified:
                status = 400
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            STATE["received"].append(
                {
                    "id": msg_id,
                    "timestamp": headers.get("webhook-timestamp"),
                    "verified": verified,
                    "error": error,
                    "status": status,
                    "body": parsed if verify else None,
                }
            )
            delay = STATE["delay_ms"]
        if delay:
            time.sleep(delay / 1000)
        self._reply(status, b"try later" if status == 500 else b"")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A sender killed mid-request (the crash tests do that) is expected, not news.
        if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            super().handle_error(request, client_address)


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
