#!/usr/bin/env python3
"""Reads what smtp_sink.py stored and prints it as JSON, with each invitation parsed by the
`icalendar` package:

    read_mail.py DIR  ->  [{"rcpt_tos", "to", "subject", "content_types", "text",
                            "calendar": {"method", "uid", "sequence", "organizer",
                                         "attendees", "location", "dtstart", "status"} | null}]
"""

import email
import email.policy
import glob
import json
import os
import sys

try:
    import icalendar
except ImportError:
    sys.stderr.write("icalendar is missing: python3 -m pip install -r tools/test-requirements.txt\n")
    sys.exit(3)


def calendar_of(part):
    cal = icalendar.Calendar.from_ical(part.get_content())
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    if len(events) != 1:
        raise SystemExit(f"expected one VEVENT, found {len(events)}")
    event = events[0]
    attendees = event.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    return {
        "method": str(cal.get("METHOD")),
        "content_type_method": part.get_param("method"),
        "uid": str(event.get("UID")),
        "sequence": int(event.get("SEQUENCE")),
        "organizer": str(event.get("ORGANIZER")),
        "attendees": [str(a) for a in attendees],
        "location": str(event.get("LOCATION")) if event.get("LOCATION") else None,
        "dtstart": event.decoded("DTSTART").isoformat(),
        "status": str(event.get("STATUS")),
    }


def main():
    out = []
    for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.eml"))):
        with open(path, "rb") as f:
            message = email.message_from_binary_file(f, policy=email.policy.default)
        with open(path[: -len(".eml")] + ".json") as f:
            envelope = json.load(f)
        calendar, text, html, types = None, None, None, []
        for part in message.walk():
            types.append(part.get_content_type())
            if part.get_content_type() == "text/calendar":
                calendar = calendar_of(part)
            elif part.get_content_type() == "text/plain":
                text = part.get_content()
            elif part.get_content_type() == "text/html":
                html = part.get_content()
        out.append(
            {
                "rcpt_tos": envelope["rcpt_tos"],
                "to": str(message["To"]),
                "subject": str(message["Subject"]),
                "message_id": str(message["Message-ID"]),
                "content_types": types,
                "text": text,
                "html": html,
                "calendar": calendar,
            }
        )
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
