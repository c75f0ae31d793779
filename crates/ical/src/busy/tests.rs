use super::*;
fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn spans(text: &str, zone: &str) -> Vec<(String, String)> {
    let e = busy_times(
        text,
        ts("2026-11-30T00:00:00Z"),
        ts("2027-01-01T00:00:00Z"),
        &TimeZone::get(zone).unwrap(),
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    e.busy
        .into_iter()
        .map(|b| (b.start.to_string(), b.end.to_string()))
        .collect()
}

fn cal(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n")
}

#[test]
fn timed_event_in_another_zone() {
    let got = spans(
        &cal(
            "BEGIN:VEVENT\r\nUID:1\r\nDTSTART;TZID=Asia/Tokyo:20261202T100000\r\nDTEND;TZID=Asia/Tokyo:20261202T113000\r\nEND:VEVENT\r\n",
        ),
        "Europe/Berlin",
    );
    assert_eq!(
        got,
        [("2026-12-02T01:00:00Z".into(), "2026-12-02T02:30:00Z".into())]
    );
}

#[test]
fn all_day_blocks_the_hosts_local_day() {
    let got = spans(
        &cal(
            "BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20261203\r\nDTEND;VALUE=DATE:20261205\r\nEND:VEVENT\r\n",
        ),
        "America/New_York",
    );
    assert_eq!(
        got,
        [("2026-12-03T05:00:00Z".into(), "2026-12-05T05:00:00Z".into())]
    );
}

#[test]
fn weekly_with_exdate_and_moved_instance_and_transparent() {
    let text = cal(concat!(
        "BEGIN:VEVENT\r\nUID:w\r\nDTSTART;TZID=Europe/Berlin:20261201T090000\r\nDURATION:PT1H\r\n",
        "RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=Europe/Berlin:20261208T090000\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:w\r\nRECURRENCE-ID;TZID=Europe/Berlin:20261215T090000\r\n",
        "DTSTART;TZID=Europe/Berlin:20261215T140000\r\nDTEND;TZID=Europe/Berlin:20261215T150000\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:t\r\nTRANSP:TRANSPARENT\r\nDTSTART:20261201T120000Z\r\nDTEND:20261201T130000Z\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:c\r\nSTATUS:CANCELLED\r\nDTSTART:20261201T120000Z\r\nDTEND:20261201T130000Z\r\nEND:VEVENT\r\n",
    ));
    let got = spans(&text, "UTC");
    assert_eq!(
        got,
        [
            ("2026-12-01T08:00:00Z".into(), "2026-12-01T09:00:00Z".into()),
            ("2026-12-15T13:00:00Z".into(), "2026-12-15T14:00:00Z".into()),
            ("2026-12-22T08:00:00Z".into(), "2026-12-22T09:00:00Z".into()),
        ]
    );
}

/// (start, end) in UTC of what `text` blocks in [from, until), and the problems.
fn read(text: &str, from: &str, until: &str, zone: &str) -> (Vec<(String, String)>, Vec<String>) {
    let e = busy_times(
        &cal(text),
        ts(from),
        ts(until),
        &TimeZone::get(zone).unwrap(),
    );
    let busy = e
        .busy
        .into_iter()
        .map(|b| (b.start.to_string(), b.end.to_string()))
        .collect();
    (busy, e.problems)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

const OUTLOOK_BERLIN: &str = "BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n\
BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n\
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n\
BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n\
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n";

#[test]
fn class_1_a_windows_zone_defined_by_its_vtimezone_blocks_with_its_override() {
    let text = format!(
        "{OUTLOOK_BERLIN}BEGIN:VEVENT\r\nUID:o\r\nDTSTART;TZID=W. Europe Standard Time:20260320T090000\r\n\
DTEND;TZID=W. Europe Standard Time:20260320T100000\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:o\r\nRECURRENCE-ID;TZID=W. Europe Standard Time:20260327T090000\r\n\
DTSTART;TZID=W. Europe Standard Time:20260327T120000\r\nDTEND;TZID=W. Europe Standard Time:20260327T130000\r\nEND:VEVENT\r\n"
    );
    let (got, problems) = read(&text, "2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z", "UTC");
    assert!(problems.is_empty(), "{problems:?}");
    // 20 March is CET (+1), 3 April is CEST (+2): the VTIMEZONE's rule says so.
    assert_eq!(
        got,
        pairs(&[
            ("2026-03-20T08:00:00Z", "2026-03-20T09:00:00Z"),
            ("2026-03-27T11:00:00Z", "2026-03-27T12:00:00Z"),
            ("2026-04-03T07:00:00Z", "2026-04-03T08:00:00Z"),
        ])
    );
}

#[test]
fn class_1_a_custom_vtimezone_and_a_bare_windows_name_are_read() {
    let text = "BEGIN:VTIMEZONE\r\nTZID:My Office\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:c\r\nDTSTART;TZID=My Office:20260310T090000\r\nDTEND;TZID=My Office:20260310T100000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:p\r\nDTSTART;TZID=Pacific Standard Time:20260310T090000\r\nDTEND;TZID=Pacific Standard Time:20260310T100000\r\nEND:VEVENT\r\n";
    let (got, problems) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        got,
        pairs(&[
            ("2026-03-10T03:30:00Z", "2026-03-10T04:30:00Z"),
            ("2026-03-10T16:00:00Z", "2026-03-10T17:00:00Z"),
        ])
    );
}

#[test]
fn class_1_an_unknown_zone_is_read_in_the_hosts_zone_with_a_warning() {
    let text = "BEGIN:VEVENT\r\nUID:u\r\nDTSTART;TZID=Atlantis:20260310T090000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n";
    let (got, problems) = read(
        text,
        "2026-03-01T00:00:00Z",
        "2026-04-01T00:00:00Z",
        "Europe/Berlin",
    );
    assert_eq!(
        got,
        pairs(&[("2026-03-10T08:00:00Z", "2026-03-10T09:00:00Z")])
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
}

#[test]
fn class_2_sub_daily_and_by_hour_rules_block_every_instance() {
    let text = "BEGIN:VEVENT\r\nUID:h\r\nDTSTART:20260302T080000Z\r\nDURATION:PT30M\r\n\
RRULE:FREQ=HOURLY;INTERVAL=4;COUNT=4\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:b\r\nDTSTART:20260303T090000Z\r\nDURATION:PT15M\r\n\
RRULE:FREQ=DAILY;BYHOUR=9,15;BYMINUTE=0,30;COUNT=5\r\nEND:VEVENT\r\n";
    let (got, problems) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    assert!(problems.is_empty(), "{problems:?}");
    let starts: Vec<&str> = got.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        starts,
        [
            "2026-03-02T08:00:00Z",
            "2026-03-02T12:00:00Z",
            "2026-03-02T16:00:00Z",
            "2026-03-02T20:00:00Z",
            "2026-03-03T09:00:00Z",
            "2026-03-03T09:30:00Z",
            "2026-03-03T15:00:00Z",
            "2026-03-03T15:30:00Z",
            "2026-03-04T09:00:00Z",
        ]
    );
}

#[test]
fn class_2_by_week_no_and_by_year_day() {
    let text = "BEGIN:VEVENT\r\nUID:w\r\nDTSTART:20260105T090000Z\r\nDURATION:PT1H\r\n\
RRULE:FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO,FR\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:y\r\nDTSTART:20260101T120000Z\r\nDURATION:PT1H\r\n\
RRULE:FREQ=YEARLY;BYYEARDAY=100,-1\r\nEND:VEVENT\r\n";
    let (got, problems) = read(text, "2026-02-01T00:00:00Z", "2027-01-01T00:00:00Z", "UTC");
    assert!(problems.is_empty(), "{problems:?}");
    let starts: Vec<&str> = got.iter().map(|(s, _)| s.as_str()).collect();
    // ISO week 20 of 2026 is 11-17 May; day 100 is 10 April; day -1 is 31 December.
    assert_eq!(
        starts,
        [
            "2026-04-10T12:00:00Z",
            "2026-05-11T09:00:00Z",
            "2026-05-15T09:00:00Z",
            "2026-12-31T12:00:00Z",
        ]
    );
}

#[test]
fn class_2_invalid_parts_are_read_as_big_clients_do_never_as_one_day() {
    let text = "BEGIN:VEVENT\r\nUID:i\r\nDTSTART:20260302T090000Z\r\nDURATION:PT1H\r\n\
RRULE:FREQ=DAILY;INTERVAL=0;COUNT=-1\r\nEND:VEVENT\r\n";
    let (got, problems) = read(text, "2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z", "UTC");
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(problems.len(), 2, "{problems:?}");
    // A rule with no usable FREQ blocks from DTSTART to the window's end.
    let text = "BEGIN:VEVENT\r\nUID:n\r\nDTSTART:20260302T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=FORTNIGHTLY\r\nEND:VEVENT\r\n";
    let (got, problems) = read(text, "2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z", "UTC");
    assert!(
        got.contains(&("2026-03-02T09:00:00Z".into(), "2026-03-06T00:00:00Z".into())),
        "{got:?}"
    );
    assert_eq!(problems.len(), 1);
}

#[test]
fn class_3_a_daily_series_from_1990_still_blocks_today() {
    let text = "BEGIN:VEVENT\r\nUID:old\r\nDTSTART;TZID=Europe/London:19900102T100000\r\n\
DTEND;TZID=Europe/London:19900102T110000\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n";
    let (got, problems) = read(text, "2026-07-01T00:00:00Z", "2026-07-03T00:00:00Z", "UTC");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        got,
        pairs(&[
            ("2026-07-01T09:00:00Z", "2026-07-01T10:00:00Z"),
            ("2026-07-02T09:00:00Z", "2026-07-02T10:00:00Z"),
        ])
    );
}

#[test]
fn class_4_events_without_uid_each_block() {
    let text = "BEGIN:VEVENT\r\nDTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nDTSTART:20260302T110000Z\r\nDTEND:20260302T120000Z\r\nEND:VEVENT\r\n";
    let (got, _) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    assert_eq!(got.len(), 2, "{got:?}");
}

#[test]
fn class_5_every_rrule_is_expanded() {
    let text = "BEGIN:VEVENT\r\nUID:two\r\nDTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\n\
RRULE:FREQ=DAILY;COUNT=2\r\nRRULE:FREQ=WEEKLY;BYDAY=FR;COUNT=1\r\nEND:VEVENT\r\n";
    let (got, _) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    let starts: Vec<&str> = got.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        starts,
        [
            "2026-03-02T09:00:00Z",
            "2026-03-03T09:00:00Z",
            "2026-03-06T09:00:00Z"
        ]
    );
}

#[test]
fn class_6_a_day_of_duration_is_a_calendar_day() {
    // 28 March 12:00 Berlin + P1D is 29 March 12:00 CEST: 23 hours, and the fall-back day
    // in October lasts 25.
    let text = "BEGIN:VEVENT\r\nUID:d\r\nDTSTART;TZID=Europe/Berlin:20261024T120000\r\nDURATION:P1D\r\nEND:VEVENT\r\n";
    let (got, _) = read(text, "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC");
    assert_eq!(
        got,
        pairs(&[("2026-10-24T10:00:00Z", "2026-10-25T11:00:00Z")])
    );
}

#[test]
fn class_7_this_and_future_moves_later_instances() {
    let text = "BEGIN:VEVENT\r\nUID:t\r\nDTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\nRRULE:FREQ=DAILY;COUNT=4\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:t\r\nRECURRENCE-ID;RANGE=THISANDFUTURE:20260303T090000Z\r\n\
DTSTART:20260303T110000Z\r\nDTEND:20260303T130000Z\r\nEND:VEVENT\r\n";
    let (got, _) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    assert_eq!(
        got,
        pairs(&[
            ("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"),
            ("2026-03-03T11:00:00Z", "2026-03-03T13:00:00Z"),
            ("2026-03-04T11:00:00Z", "2026-03-04T13:00:00Z"),
            ("2026-03-05T11:00:00Z", "2026-03-05T13:00:00Z"),
        ])
    );
}

#[test]
fn class_8_an_rdate_period_keeps_its_own_length() {
    let text = "BEGIN:VEVENT\r\nUID:r\r\nDTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\n\
RDATE;VALUE=PERIOD:20260303T090000Z/20260303T130000Z,20260304T090000Z/PT3H\r\nEND:VEVENT\r\n";
    let (got, _) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    assert_eq!(
        got,
        pairs(&[
            ("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"),
            ("2026-03-03T09:00:00Z", "2026-03-03T13:00:00Z"),
            ("2026-03-04T09:00:00Z", "2026-03-04T12:00:00Z"),
        ])
    );
}

#[test]
fn class_9_an_all_day_series_with_a_utc_until_does_not_depend_on_the_hosts_zone() {
    // Exchange: the last day is 11 March, written as its end in UTC.
    let text = "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20260309\r\nDTEND;VALUE=DATE:20260310\r\n\
RRULE:FREQ=DAILY;UNTIL=20260311T225959Z\r\nEND:VEVENT\r\n";
    for zone in ["Pacific/Auckland", "America/Los_Angeles", "UTC"] {
        let (got, _) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", zone);
        assert_eq!(got.len(), 3, "{zone}: {got:?}");
    }
}

#[test]
fn class_10_a_dtstart_in_a_dst_gap_keeps_its_length() {
    let text = "BEGIN:VEVENT\r\nUID:g\r\nDTSTART;TZID=Europe/Berlin:20260329T023000\r\n\
DTEND;TZID=Europe/Berlin:20260329T033000\r\nRRULE:FREQ=DAILY;COUNT=2\r\nEND:VEVENT\r\n";
    let (got, _) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    assert_eq!(
        got,
        pairs(&[
            // 02:30 does not exist that night: it is 03:30 CEST, and still lasts an hour.
            ("2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z"),
            ("2026-03-30T00:30:00Z", "2026-03-30T01:30:00Z"),
        ])
    );
}

#[test]
fn class_11_dtend_before_dtstart_is_read_swapped_and_noted() {
    let text = "BEGIN:VEVENT\r\nUID:s\r\nDTSTART:20260302T100000Z\r\nDTEND:20260302T090000Z\r\nEND:VEVENT\r\n";
    let (got, problems) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    assert_eq!(
        got,
        pairs(&[("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z")])
    );
    assert_eq!(problems.len(), 1);
}

#[test]
fn class_12_of_two_masters_the_higher_sequence_stands() {
    let text = "BEGIN:VEVENT\r\nUID:q\r\nSEQUENCE:2\r\nDTSTART:20260302T140000Z\r\nDTEND:20260302T150000Z\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:q\r\nSEQUENCE:1\r\nDTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\nEND:VEVENT\r\n";
    let (got, _) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    assert_eq!(
        got,
        pairs(&[("2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z")])
    );
}

#[test]
fn class_13_a_non_gregorian_rscale_blocks_conservatively() {
    let text = "BEGIN:VEVENT\r\nUID:h\r\nDTSTART;VALUE=DATE:20260302\r\n\
RRULE:RSCALE=HEBREW;FREQ=YEARLY;BYMONTH=5L;BYMONTHDAY=8;SKIP=FORWARD\r\nEND:VEVENT\r\n";
    let (got, problems) = read(text, "2026-03-01T00:00:00Z", "2027-04-01T00:00:00Z", "UTC");
    assert!(
        got.contains(&("2026-03-02T00:00:00Z".into(), "2027-04-01T00:00:00Z".into())),
        "{got:?}"
    );
    assert_eq!(problems.len(), 1);
}

#[test]
fn across_a_dst_change_the_longer_reading_of_an_instance_blocks() {
    // Weekly 01:00-03:00 Berlin; on 25 October the night has an extra hour: the wall clock
    // says two hours, the exact length of the first instance says two hours too, but
    // wall-clock 03:00 is three hours after 01:00 CEST.
    let text = "BEGIN:VEVENT\r\nUID:l\r\nDTSTART;TZID=Europe/Berlin:20261018T010000\r\n\
DTEND;TZID=Europe/Berlin:20261018T030000\r\nRRULE:FREQ=WEEKLY;COUNT=2\r\nEND:VEVENT\r\n";
    let (got, _) = read(text, "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC");
    assert_eq!(
        got,
        pairs(&[
            ("2026-10-17T23:00:00Z", "2026-10-18T01:00:00Z"),
            ("2026-10-24T23:00:00Z", "2026-10-25T02:00:00Z"),
        ])
    );
}

#[test]
fn an_override_stored_without_its_master_blocks_as_itself() {
    // CalDAV servers may keep a moved instance in a resource of its own.
    let text = "BEGIN:VEVENT\r\nUID:m\r\nRECURRENCE-ID:20260303T090000Z\r\n\
DTSTART:20260303T150000Z\r\nDTEND:20260303T160000Z\r\nEND:VEVENT\r\n";
    let (got, _) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    assert_eq!(
        got,
        pairs(&[("2026-03-03T15:00:00Z", "2026-03-03T16:00:00Z")])
    );
}

#[test]
fn an_exdate_or_a_cancelled_override_removes_the_instance_and_a_date_exdate_the_day() {
    let text = "BEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=Europe/Berlin:20260302T090000\r\nDURATION:PT1H\r\n\
RRULE:FREQ=DAILY;COUNT=4\r\nEXDATE;VALUE=DATE:20260303\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:x\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260304T090000\r\nSTATUS:CANCELLED\r\n\
DTSTART;TZID=Europe/Berlin:20260304T090000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n";
    let (got, _) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    assert_eq!(
        got,
        pairs(&[
            ("2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z"),
            ("2026-03-05T08:00:00Z", "2026-03-05T09:00:00Z"),
        ])
    );
}

#[test]
fn a_rule_whose_until_is_before_dtstart_still_blocks_dtstart_and_says_so() {
    // Malformed (seen in hand-edited exports): the calendar app shows the first instance.
    let text = "BEGIN:VEVENT\r\nUID:y\r\nDTSTART:20260305T120000Z\r\nDURATION:PT1H\r\n\
RRULE:FREQ=DAILY;UNTIL=20260301T000000Z\r\nEND:VEVENT\r\n";
    let (got, problems) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    assert_eq!(
        got,
        pairs(&[("2026-03-05T12:00:00Z", "2026-03-05T13:00:00Z")])
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("y: "), "{problems:?}");
}

#[test]
fn an_override_in_another_vcalendar_of_the_same_text_moves_its_instance() {
    // Two calendar objects concatenated (an export of a master and of its moved instance).
    let text = "BEGIN:VEVENT\r\nUID:m\r\nDTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\n\
RRULE:FREQ=DAILY;COUNT=3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nVERSION:2.0\r\n\
BEGIN:VEVENT\r\nUID:m\r\nRECURRENCE-ID:20260303T090000Z\r\n\
DTSTART:20260303T150000Z\r\nDTEND:20260303T160000Z\r\nEND:VEVENT\r\n";
    let (got, problems) = read(text, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        got,
        pairs(&[
            ("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"),
            ("2026-03-03T15:00:00Z", "2026-03-03T16:00:00Z"),
            ("2026-03-04T09:00:00Z", "2026-03-04T10:00:00Z"),
        ])
    );
}

/// The UTC start of a 09:00 event on each `YYYYMMDD` day in zone `tzid`, defined by
/// `vtimezone`, read over 1960 to 2100.
fn nine_oclock_in(vtimezone: &str, tzid: &str, days: &[&str]) -> Vec<String> {
    let mut text = vtimezone.replace('\n', "\r\n");
    for (i, day) in days.iter().enumerate() {
        text += &format!(
            "BEGIN:VEVENT\r\nUID:e{i}\r\nDTSTART;TZID={tzid}:{day}T090000\r\n\
             DTEND;TZID={tzid}:{day}T100000\r\nEND:VEVENT\r\n"
        );
    }
    let (got, problems) = read(&text, "1960-01-01T00:00:00Z", "2100-01-01T00:00:00Z", "UTC");
    assert!(problems.is_empty(), "{problems:?}");
    got.into_iter().map(|(start, _)| start).collect()
}

/// Exchange's "Eastern Standard Time" with the US rules before 2007 (first Sunday of April
/// to last Sunday of October, ending by UNTIL) and from 2007 (second Sunday of March to first
/// Sunday of November).
const EXCHANGE_EASTERN: &str = "BEGIN:VTIMEZONE
TZID:Eastern Standard Time
BEGIN:STANDARD
DTSTART:16011028T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10;UNTIL=20061029T060000Z
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010401T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=4;UNTIL=20060402T070000Z
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20071104T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20070311T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
";

/// The same history as Apple's Calendar writes it: DTSTARTs on the rules' first onsets.
const APPLE_EASTERN: &str = "BEGIN:VTIMEZONE
TZID:US/Eastern-History
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
RRULE:FREQ=YEARLY;UNTIL=20060402T070000Z;BYMONTH=4;BYDAY=1SU
DTSTART:19870405T020000
TZNAME:EDT
TZOFFSETTO:-0400
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
RRULE:FREQ=YEARLY;UNTIL=20061029T060000Z;BYMONTH=10;BYDAY=-1SU
DTSTART:19671029T020000
TZNAME:EST
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
DTSTART:20070311T020000
TZNAME:EDT
TZOFFSETTO:-0400
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
DTSTART:20071104T020000
TZNAME:EST
TZOFFSETTO:-0500
END:STANDARD
END:VTIMEZONE
";

#[test]
fn class_1_a_vtimezone_with_the_us_rules_before_and_after_2007_reads_each_year_by_its_own() {
    // Expected as icalendar 7.3 / recurring-ical-events 3.8 (dateutil's tzical) read them.
    let days = [
        "19900701", "20060320", "20060410", "20061030", "20061110", "20260310", "20261030",
        "20261105", "20400701",
    ];
    let expected = [
        "1990-07-01T13:00:00Z",
        // 20 March and 30 October 2006: standard time by the old rules, daylight by the new.
        "2006-03-20T14:00:00Z",
        "2006-04-10T13:00:00Z",
        "2006-10-30T14:00:00Z",
        "2006-11-10T14:00:00Z",
        "2026-03-10T13:00:00Z",
        "2026-10-30T13:00:00Z",
        "2026-11-05T14:00:00Z",
        "2040-07-01T13:00:00Z",
    ];
    for (zone, tzid) in [
        (EXCHANGE_EASTERN, "Eastern Standard Time"),
        (APPLE_EASTERN, "US/Eastern-History"),
    ] {
        assert_eq!(nine_oclock_in(zone, tzid, &days), expected, "{tzid}");
    }
}

#[test]
fn class_1_a_weekly_series_in_2006_follows_the_old_us_rules() {
    let text = format!(
        "{}BEGIN:VEVENT\r\nUID:w\r\nDTSTART;TZID=Eastern Standard Time:20061023T090000\r\n\
         DURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n",
        EXCHANGE_EASTERN.replace('\n', "\r\n")
    );
    let (got, problems) = read(&text, "2006-10-01T00:00:00Z", "2006-12-01T00:00:00Z", "UTC");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        got,
        pairs(&[
            ("2006-10-23T13:00:00Z", "2006-10-23T14:00:00Z"),
            ("2006-10-30T14:00:00Z", "2006-10-30T15:00:00Z"),
            ("2006-11-06T14:00:00Z", "2006-11-06T15:00:00Z"),
        ])
    );
}

#[test]
fn class_1_a_vtimezone_whose_standard_offset_changed_reads_each_period_by_its_offset() {
    // Moscow: UTC+4 all year from March 2011, back to UTC+3 from October 2014.
    let zone = "BEGIN:VTIMEZONE
TZID:Moscow Changes
BEGIN:STANDARD
DTSTART:20110327T020000
TZOFFSETFROM:+0300
TZOFFSETTO:+0400
TZNAME:MSK
END:STANDARD
BEGIN:STANDARD
DTSTART:20141026T020000
TZOFFSETFROM:+0400
TZOFFSETTO:+0300
TZNAME:MSK
END:STANDARD
END:VTIMEZONE
";
    // Before the first onset the RFC says nothing; dateutil takes the first STANDARD's.
    assert_eq!(
        nine_oclock_in(
            zone,
            "Moscow Changes",
            &["20100601", "20120601", "20141201", "20260601"]
        ),
        [
            "2010-06-01T05:00:00Z",
            "2012-06-01T05:00:00Z",
            "2014-12-01T06:00:00Z",
            "2026-06-01T06:00:00Z",
        ]
    );
}

#[test]
fn class_1_a_vtimezone_of_rdates_only_reads_every_listed_change() {
    let zone = "BEGIN:VTIMEZONE
TZID:Eastern by RDATE
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:20050403T020000
RDATE:20060402T020000,20070311T020000
RDATE:20080309T020000
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:20051030T020000
RDATE:20061029T020000,20071104T020000,20081102T020000
END:STANDARD
END:VTIMEZONE
";
    let days = [
        "20060320", "20061030", "20070320", "20071030", "20081110", "20100701",
    ];
    assert_eq!(
        nine_oclock_in(zone, "Eastern by RDATE", &days),
        [
            "2006-03-20T14:00:00Z",
            "2006-10-30T14:00:00Z",
            "2007-03-20T13:00:00Z",
            "2007-10-30T13:00:00Z",
            "2008-11-10T14:00:00Z",
            // After the last onset its offset holds.
            "2010-07-01T14:00:00Z",
        ]
    );
}
