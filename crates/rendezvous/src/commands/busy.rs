//! `rendezvous busy`: what one iCalendar object blocks, read by the code a calendar sync
//! uses (`ical::busy_times`), without a database.

use std::io::{Read, Write};
use std::process::ExitCode;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::cli::BusyArgs;

/// Exit status for arguments that cannot be used.
const UNUSABLE: u8 = 2;

pub fn run(args: &BusyArgs) -> ExitCode {
    match read_args(args) {
        Ok((from, until, zone, text)) => print(&ical::busy_times(&text, from, until, &zone)),
        Err(problem) => {
            let _ = writeln!(std::io::stderr(), "error: {problem}");
            ExitCode::from(UNUSABLE)
        }
    }
}

fn read_args(args: &BusyArgs) -> Result<(Timestamp, Timestamp, TimeZone, String), String> {
    let zone = TimeZone::get(args.zone.trim())
        .map_err(|_| format!("--zone: {:?} is not an IANA time zone", args.zone))?;
    let from = instant(&args.from, &zone).map_err(|e| format!("--from: {e}"))?;
    let until = instant(&args.until, &zone).map_err(|e| format!("--until: {e}"))?;
    if until < from {
        return Err("--until: before --from".to_owned());
    }
    let mut bytes = Vec::new();
    let read = if args.file.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(drop)
    } else {
        std::fs::File::open(&args.file).and_then(|mut f| f.read_to_end(&mut bytes).map(drop))
    };
    read.map_err(|e| format!("FILE: cannot read {}: {e}", args.file.display()))?;
    // Calendars in the wild are sometimes Latin-1; a stray byte must not hide the rest.
    Ok((
        from,
        until,
        zone,
        String::from_utf8_lossy(&bytes).into_owned(),
    ))
}

/// An RFC 3339 instant, or a civil date-time or date in `zone`.
fn instant(value: &str, zone: &TimeZone) -> Result<Timestamp, String> {
    let value = value.trim();
    if let Ok(at) = value.parse::<Timestamp>() {
        return Ok(at);
    }
    let civil = value
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| {
            value
                .parse::<jiff::civil::Date>()
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })
        .map_err(|_| format!("{value:?} is not an instant (e.g. 2026-03-10T09:00:00Z)"))?;
    zone.to_ambiguous_zoned(civil)
        .compatible()
        .map(|z| z.timestamp())
        .map_err(|e| format!("{value:?}: {e}"))
}

fn utc(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn print(expansion: &ical::busy::Expansion) -> ExitCode {
    let periods: Vec<serde_json::Value> = expansion
        .busy
        .iter()
        .map(|b| serde_json::json!({"uid": &*b.uid, "start": utc(b.start), "end": utc(b.end)}))
        .collect();
    let mut stderr = std::io::stderr().lock();
    for problem in &expansion.problems {
        let _ = writeln!(stderr, "warning: {problem}");
    }
    let json = serde_json::Value::Array(periods).to_string();
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{json}").and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops early (`| head`) closes the pipe; that is its choice.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
