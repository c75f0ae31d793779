//! Invariants of recurrence expansion and of reading arbitrary input.
#![allow(clippy::unwrap_used)]

use jiff::civil::{Date, DateTime, date};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;
use rendezvous_ical::rrule::{MAX_OCCURRENCES, Rule};

fn expand(rule: &Rule, start: DateTime, last: Date) -> Vec<DateTime> {
    let mut out = vec![start];
    rule.expand(start, start, last.at(23, 59, 59, 0), &|_| true, &mut out);
    out.sort();
    out.dedup();
    out
}
use rendezvous_ical::{busy_times, parse};

fn rule_text() -> impl Strategy<Value = String> {
    let freq = prop_oneof![
        Just("DAILY"),
        Just("WEEKLY"),
        Just("MONTHLY"),
        Just("YEARLY")
    ];
    let byday = prop::sample::subsequence(
        vec![
            "MO", "TU", "WE", "TH", "FR", "SA", "SU", "1MO", "-1FR", "2WE",
        ],
        0..4,
    );
    let bymonthday = prop::sample::subsequence(vec!["1", "15", "31", "-1", "29"], 0..3);
    let bymonth = prop::sample::subsequence(vec!["1", "2", "6", "12"], 0..2);
    let setpos = prop::option::of(prop_oneof![Just("1"), Just("-1"), Just("2")]);
    (
        freq,
        1_u32..4,
        prop::option::of(1_u32..40),
        byday,
        bymonthday,
        bymonth,
        setpos,
    )
        .prop_map(
            |(freq, interval, count, byday, bymonthday, bymonth, setpos)| {
                let mut s = format!("FREQ={freq};INTERVAL={interval}");
                if let Some(c) = count {
                    s += &format!(";COUNT={c}");
                }
                // Ordinals only mean something in monthly and yearly rules.
                let byday: Vec<&str> = byday
                    .into_iter()
                    .filter(|d| d.len() == 2 || matches!(freq, "MONTHLY" | "YEARLY"))
                    .collect();
                if !byday.is_empty() {
                    s += &format!(";BYDAY={}", byday.join(","));
                }
                if !bymonthday.is_empty() && freq != "WEEKLY" {
                    s += &format!(";BYMONTHDAY={}", bymonthday.join(","));
                }
                if !bymonth.is_empty() {
                    s += &format!(";BYMONTH={}", bymonth.join(","));
                }
                if let Some(p) = setpos {
                    s += &format!(";BYSETPOS={p}");
                }
                s
            },
        )
}

/// [`rule_text`] with the parts that change which days of a year or which times of a day
/// occur: BYYEARDAY and BYWEEKNO (yearly rules, as RFC 5545 allows them), BYHOUR, BYMINUTE
/// and WKST.
fn full_rule_text() -> impl Strategy<Value = String> {
    let year_days =
        prop::sample::subsequence(vec!["1", "60", "100", "200", "-1", "-60", "366"], 0..3);
    let week_nos = prop::sample::subsequence(vec!["1", "2", "20", "52", "53", "-1", "-2"], 0..3);
    let hours = prop::sample::subsequence(vec!["0", "9", "13", "23"], 0..3);
    let minutes = prop::sample::subsequence(vec!["0", "15", "45"], 0..3);
    let week_start = prop::option::of(prop::sample::select(vec!["MO", "TU", "WE", "SU"]));
    (rule_text(), year_days, week_nos, hours, minutes, week_start).prop_map(
        |(mut s, year_days, week_nos, hours, minutes, week_start)| {
            let yearly = s.starts_with("FREQ=YEARLY");
            // Ordinal weekdays with BYWEEKNO mean nothing (RFC 5545 §3.3.10).
            let ordinal_days = s
                .split(';')
                .any(|p| p.starts_with("BYDAY=") && p.contains(|c: char| c.is_ascii_digit()));
            if yearly && !year_days.is_empty() {
                s += &format!(";BYYEARDAY={}", year_days.join(","));
            }
            if yearly && !ordinal_days && !week_nos.is_empty() {
                s += &format!(";BYWEEKNO={}", week_nos.join(","));
            }
            if !hours.is_empty() {
                s += &format!(";BYHOUR={}", hours.join(","));
            }
            if !minutes.is_empty() {
                s += &format!(";BYMINUTE={}", minutes.join(","));
            }
            if let Some(w) = week_start {
                s += &format!(";WKST={w}");
            }
            s
        },
    )
}

fn start() -> impl Strategy<Value = DateTime> {
    (0_i64..2000, 0_i8..24, prop_oneof![Just(0_i8), Just(30)]).prop_map(|(d, h, m)| {
        date(2024, 1, 1)
            .checked_add(d.days())
            .unwrap()
            .at(h, m, 0, 0)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn expansion_is_ordered_bounded_and_starts_at_dtstart(text in rule_text(), start in start(), span in 0_i64..1500) {
        let rule = Rule::parse(&text).unwrap().rule;
        let last: Date = start.date().checked_add(span.days()).unwrap();
        let got = expand(&rule, start, last);
        prop_assert_eq!(got.first(), Some(&start));
        prop_assert!(got.windows(2).all(|w| w[0] < w[1]), "not strictly increasing");
        prop_assert!(got.iter().all(|d| d.time() == start.time()), "time of day changed");
        prop_assert!(got.iter().skip(1).all(|d| d.date() <= last), "beyond the last date");
        prop_assert!(got.len() <= MAX_OCCURRENCES);
        if let Some(count) = rule.count {
            // DTSTART is always an occurrence, also when the rule does not yield it.
            prop_assert!(got.len() <= count as usize + 1);
        }
        // Every occurrence after the first satisfies the BY rules that limit it.
        for d in got.iter().skip(1) {
            if !rule.by_month.is_empty() {
                prop_assert!(rule.by_month.contains(&d.month()));
            }
            if !rule.by_day.is_empty() {
                prop_assert!(rule.by_day.iter().any(|(_, w)| *w == d.weekday()));
            }
        }
    }

    #[test]
    fn plain_weekly_steps_exactly(interval in 1_u32..5, start in start(), count in 1_u32..30) {
        let rule = Rule::parse(&format!("FREQ=WEEKLY;INTERVAL={interval};COUNT={count}")).unwrap().rule;
        let got = expand(&rule, start, date(2040, 1, 1));
        prop_assert_eq!(got.len(), count as usize);
        for w in got.windows(2) {
            prop_assert_eq!((w[1].date() - w[0].date()).get_days(), 7 * interval as i32);
        }
    }

    #[test]
    fn an_exdate_removes_exactly_its_occurrence(count in 2_usize..20, pick in 0_usize..20) {
        let pick = pick % count;
        let base = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=Europe/Paris:20261201T093000\r\nDURATION:PT45M\r\n";
        let rrule = format!("RRULE:FREQ=DAILY;COUNT={count}\r\n");
        let window = ("2026-11-01T00:00:00Z".parse().unwrap(), "2027-02-01T00:00:00Z".parse().unwrap());
        let zone = TimeZone::get("Europe/Paris").unwrap();
        let all = busy_times(&format!("{base}{rrule}END:VEVENT\r\nEND:VCALENDAR\r\n"), window.0, window.1, &zone);
        prop_assert_eq!(all.busy.len(), count);
        let removed = all.busy[pick].start.to_zoned(zone.clone()).datetime();
        let exdate = format!("EXDATE;TZID=Europe/Paris:{}\r\n", removed.strftime("%Y%m%dT%H%M%S"));
        let fewer = busy_times(&format!("{base}{rrule}{exdate}END:VEVENT\r\nEND:VCALENDAR\r\n"), window.0, window.1, &zone);
        let mut expected = all.busy.clone();
        expected.remove(pick);
        prop_assert_eq!(fewer.busy, expected);
    }

    #[test]
    fn any_text_parses_without_panic(text in "(BEGIN:VEVENT\n|END:VEVENT\n|DTSTART[;:A-Z=0-9\"/]{0,30}\n|RRULE:[A-Z=;,0-9-]{0,40}\n|[ -~]{0,20}\n){0,12}") {
        let _ = parse(&text);
        let from: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let e = busy_times(&text, from, from.checked_add(jiff::SignedDuration::from_hours(24 * 365)).unwrap(), &TimeZone::UTC);
        prop_assert!(e.busy.iter().all(|b| b.start <= b.end));
    }

    #[test]
    fn busy_times_stay_in_the_window(text in rule_text(), start in start(), from_day in 0_i64..2000, days in 1_i64..120) {
        let cal = format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:p\r\nDTSTART;TZID=America/New_York:{}\r\nDURATION:PT1H\r\nRRULE:{text}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            start.strftime("%Y%m%dT%H%M%S")
        );
        let from = date(2024, 1, 1).checked_add(from_day.days()).unwrap().to_zoned(TimeZone::UTC).unwrap().timestamp();
        let until = from.checked_add(jiff::SignedDuration::from_hours(24 * days)).unwrap();
        let e = busy_times(&cal, from, until, &TimeZone::UTC);
        prop_assert!(e.problems.is_empty());
        prop_assert!(e.busy.iter().all(|b| b.start < until && b.end > from));
        prop_assert!(e.busy.windows(2).all(|w| w[0].start < w[1].start));
    }
}

/// RFC 5545 §3.3.10 read literally, one day at a time: a day is an occurrence when its
/// period (counted from DTSTART's in steps of INTERVAL) is one the rule visits, every BY part
/// allows it (with DTSTART's month, day and weekday standing in for missing ones), and
/// BYSETPOS picks it among its period's days; COUNT then takes the first ones.
fn brute_force(rule: &Rule, start: DateTime, last: Date) -> Vec<DateTime> {
    use jiff::civil::Weekday;
    use rendezvous_ical::rrule::Frequency;
    let freq = rule.frequency;
    let interval = i64::from(rule.interval);
    let week_of = |d: Date| {
        let back =
            (d.weekday().to_monday_zero_offset() + 7 - rule.week_start.to_monday_zero_offset()) % 7;
        d.checked_sub(i64::from(back).days()).unwrap()
    };
    let period_of = |d: Date| -> i64 {
        match freq {
            Frequency::Yearly => i64::from(d.year()),
            Frequency::Monthly => i64::from(d.year()) * 12 + i64::from(d.month()),
            Frequency::Weekly => i64::from((week_of(d) - week_of(start.date())).get_days()) / 7,
            _ => i64::from((d - start.date()).get_days()),
        }
    };
    let first_period = period_of(start.date());
    let no_day_parts = rule.by_month_day.is_empty()
        && rule.by_day.is_empty()
        && rule.by_year_day.is_empty()
        && rule.by_week_no.is_empty();
    // Week 1 of a year is the first week (starting on WKST) with four of its days in it:
    // the one holding 4 January. A week belongs to the year of its fourth day.
    let week_one = |year: i16| week_of(date(year, 1, 4));
    let week_no = |d: Date| -> (i64, i64) {
        let week = week_of(d);
        let year = week.checked_add(3.days()).unwrap().year();
        let number = i64::from((week - week_one(year)).get_days()) / 7 + 1;
        let weeks = i64::from((week_one(year + 1) - week_one(year)).get_days()) / 7;
        (number, weeks)
    };
    let nth = |n: i8, w: Weekday, d: Date, in_year: bool| {
        let (index, len) = if in_year {
            (d.day_of_year() - 1, d.days_in_year())
        } else {
            (i16::from(d.day()) - 1, i16::from(d.days_in_month()))
        };
        w == d.weekday()
            && if n > 0 {
                index / 7 + 1 == i16::from(n)
            } else {
                (len - 1 - index) / 7 + 1 == -i16::from(n)
            }
    };
    let allowed = |d: Date| {
        let months_ok = if rule.by_month.is_empty() {
            !(freq == Frequency::Yearly && no_day_parts) || d.month() == start.month()
        } else {
            rule.by_month.contains(&d.month())
        };
        let month_day_ok = if rule.by_month_day.is_empty() {
            !(matches!(freq, Frequency::Monthly | Frequency::Yearly) && no_day_parts)
                || d.day() == start.day()
        } else {
            rule.by_month_day.iter().any(|&n| {
                let want = if n > 0 { n } else { d.days_in_month() + 1 + n };
                want == d.day()
            })
        };
        let weekday_ok = if rule.by_day.is_empty() {
            freq != Frequency::Weekly || d.weekday() == start.weekday()
        } else {
            rule.by_day.iter().any(|&(n, w)| match n {
                Some(n) if freq == Frequency::Monthly => nth(n, w, d, false),
                Some(n) if freq == Frequency::Yearly => nth(n, w, d, rule.by_month.is_empty()),
                _ => w == d.weekday(),
            })
        };
        let year_day_ok = rule.by_year_day.is_empty()
            || rule.by_year_day.iter().any(|&n| {
                let want = if n > 0 { n } else { d.days_in_year() + 1 + n };
                want == d.day_of_year()
            });
        let week_no_ok = rule.by_week_no.is_empty() || {
            let (number, weeks) = week_no(d);
            rule.by_week_no.iter().any(|&n| {
                let n = i64::from(n);
                (if n > 0 { n } else { weeks + 1 + n }) == number
            })
        };
        months_ok && month_day_ok && weekday_ok && year_day_ok && week_no_ok
    };
    // The times of each day: BYHOUR by BYMINUTE, DTSTART's where a part is missing.
    let hours = if rule.by_hour.is_empty() {
        vec![start.hour()]
    } else {
        rule.by_hour.clone()
    };
    let minutes = if rule.by_minute.is_empty() {
        vec![start.minute()]
    } else {
        rule.by_minute.clone()
    };
    let mut times: Vec<jiff::civil::Time> = hours
        .iter()
        .flat_map(|&h| {
            minutes
                .iter()
                .map(move |&m| jiff::civil::time(h, m, start.second(), 0))
        })
        .collect();
    times.sort();
    times.dedup();
    let mut by_period: std::collections::BTreeMap<i64, Vec<DateTime>> = Default::default();
    // From the start of DTSTART's period, so BYSETPOS counts its days before DTSTART too.
    let mut day = match freq {
        Frequency::Yearly => start.date().first_of_year(),
        Frequency::Monthly => start.date().first_of_month(),
        Frequency::Weekly => start.date(),
        _ => start.date(),
    };
    // Whole periods: BYSETPOS=-1 of the year containing `last` may be after it.
    let scan_to = last.checked_add(400.days()).unwrap();
    while day <= scan_to {
        let p = period_of(day);
        if (p - first_period) % interval == 0 && allowed(day) {
            by_period
                .entry(p)
                .or_default()
                .extend(times.iter().map(|t| day.to_datetime(*t)));
        }
        day = day.tomorrow().unwrap();
    }
    let mut out = Vec::new();
    for (_, days) in by_period {
        // BYSETPOS picks among the period's date-times (days by times of day).
        let picked: Vec<DateTime> = if rule.by_set_pos.is_empty() {
            days
        } else {
            let len = days.len() as i32;
            let mut p: Vec<DateTime> = rule
                .by_set_pos
                .iter()
                .filter_map(|&n| {
                    let i = if n > 0 { n - 1 } else { len + n };
                    usize::try_from(i).ok().and_then(|i| days.get(i).copied())
                })
                .collect();
            p.sort();
            p.dedup();
            p
        };
        out.extend(picked.into_iter().filter(|d| *d >= start));
    }
    if let Some(count) = rule.count {
        out.truncate(count as usize);
    }
    out.retain(|d| d.date() <= last);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn expansion_equals_a_day_by_day_reading(text in full_rule_text(), start in start(), span in 0_i64..1200) {
        let rule = Rule::parse(&text).unwrap().rule;
        let last: Date = start.date().checked_add(span.days()).unwrap();
        let mut got = Vec::new();
        rule.expand(start, start, last.at(23, 59, 59, 0), &|_| true, &mut got);
        prop_assert_eq!(got, brute_force(&rule, start, last), "{}", text);
    }

    #[test]
    fn a_window_late_in_a_long_series_sees_what_walking_from_dtstart_sees(
        text in full_rule_text(), start in start(), skip in 0_i64..3000, span in 1_i64..120,
    ) {
        let rule = Rule::parse(&text).unwrap().rule;
        let from = start.checked_add(skip.days()).unwrap();
        let last = from.checked_add(span.days()).unwrap();
        let mut windowed = Vec::new();
        rule.expand(start, from, last, &|_| true, &mut windowed);
        let mut all = Vec::new();
        rule.expand(start, start, last, &|_| true, &mut all);
        all.retain(|d| *d >= from);
        prop_assert_eq!(windowed, all, "{}", text);
    }
}
