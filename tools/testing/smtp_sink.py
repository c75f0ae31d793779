#!/usr/bin/env python3
"""An SMTP server for tests (aiosmtpd) that keeps every message as a file.

    smtp_sink.py DIR

Listens on 127.0.0.1 on a free port and prints `PORT <n>` once it does. Each message becomes
DIR/<n>.eml (the data as received) and DIR/<n>.json ({"mail_from", "rcpt_tos"}). A recipient
whose address starts with `reject-` is refused for good (550), as a mailbox that does not
exist is, so tests can follow a permanent failure.
"""

import asyncio
import json
import os
import sys

try:
    from aiosmtpd.smtp import SMTP
except ImportError:
    sys.stderr.write("aiosmtpd is missing: python3 -m pip install -r tools/test-requirements.txt\n")
    sys.exit(3)


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject-"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, f"{self.count:05d}")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        # Renamed last, so a reader never sees half a message.
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK stored"


async def main():
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    sink = Sink(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink), "127.0.0.1", 0)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
