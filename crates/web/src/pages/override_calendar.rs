//! The availability editor's month grid of date overrides. Server-rendered: each day is a
//! link that opens that day's editor below the grid, so it works by keyboard (links and form
//! controls) and without a script; `dashboard.js` only adds arrow-key moves between days.

use domain::schedules::{DateOverrides, WeeklyRules, Window};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

/// One cell of the grid: a day of the shown month.
#[derive(Debug, Serialize)]
pub(super) struct DayCell {
    pub date: String,
    pub number: i8,
    /// `closed`, `custom`, or empty (the weekly hours apply).
    pub state: &'static str,
    /// What the day looks like to screen readers: `Thursday 24 December 2026, unavailable`.
    pub label: String,
    pub selected: bool,
    pub today: bool,
    pub href: String,
}

/// The month shown, its weeks (Monday first; `None` pads days of other months) and links
/// to the months around it.
#[derive(Debug, Serialize)]
pub(super) struct MonthGrid {
    pub title: String,
    pub month: String,
    pub weeks: Vec<Vec<Option<DayCell>>>,
    pub previous_href: String,
    pub next_href: String,
}

/// The editor of the selected day.
#[derive(Debug, Serialize)]
pub(super) struct DayEditor {
    pub date: String,
    pub title: String,
    /// `weekly`, `closed` or `hours`.
    pub mode: String,
    pub windows: String,
    /// The weekly hours of that weekday, as text (`closed` when none).
    pub weekly: String,
}

/// An override in the list under the grid.
#[derive(Debug, Serialize)]
pub(super) struct OverrideRow {
    pub date: String,
    pub title: String,
    pub hours: String,
    pub href: String,
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `2026-12` as the first day of that month.
pub(super) fn parse_month(text: &str) -> Option<Date> {
    let (year, month) = text.trim().split_once('-')?;
    let year: i16 = year.parse().ok()?;
    let month: i8 = month.parse().ok()?;
    Date::new(year, month, 1).ok()
}

/// `2026-12-24` as a date.
pub(super) fn parse_day(text: &str) -> Option<Date> {
    text.trim().parse::<Date>().ok()
}

pub(super) fn month_key(first: Date) -> String {
    format!("{:04}-{:02}", first.year(), first.month())
}

fn month_title(first: Date) -> String {
    let name = MONTH_NAMES
        .get(usize::try_from(first.month() - 1).unwrap_or(0))
        .copied()
        .unwrap_or_default();
    format!("{name} {}", first.year())
}

/// `Thursday 24 December 2026`.
pub(super) fn long_date(date: Date) -> String {
    date.strftime("%A %-d %B %Y").to_string()
}

pub(super) fn day_href(date: Date) -> String {
    format!(
        "/dashboard/availability?month={}&day={date}#override-editor",
        month_key(date.first_of_month())
    )
}

/// The weekly-rules key of `date`'s weekday (`mon` … `sun`).
fn weekday_key(date: Date) -> &'static str {
    let index = usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0);
    services::schedules::DAY_KEYS
        .get(index)
        .copied()
        .unwrap_or("mon")
}

pub(super) fn windows_text(windows: &[Window]) -> String {
    windows
        .iter()
        .map(|[start, end]| format!("{start}-{end}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn hours_text(windows: &[Window]) -> String {
    if windows.is_empty() {
        "unavailable".to_owned()
    } else {
        windows_text(windows)
    }
}

/// The grid of the month starting `first`, with `selected` marked and `overrides` shown.
pub(super) fn month_grid(
    first: Date,
    selected: Option<Date>,
    today: Date,
    overrides: &DateOverrides,
) -> MonthGrid {
    let lead = usize::try_from(first.weekday().to_monday_zero_offset()).unwrap_or(0);
    let mut cells: Vec<Option<DayCell>> = (0..lead).map(|_| None).collect();
    let mut day = first;
    while day.month() == first.month() {
        let key = day.to_string();
        let (state, summary) = match overrides.get(&key) {
            Some(w) if w.is_empty() => ("closed", ", unavailable".to_owned()),
            Some(w) => ("custom", format!(", custom hours {}", windows_text(w))),
            None => ("", String::new()),
        };
        cells.push(Some(DayCell {
            number: day.day(),
            state,
            label: format!("{}{summary}", long_date(day)),
            selected: selected == Some(day),
            today: day == today,
            href: day_href(day),
            date: key,
        }));
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    while !cells.len().is_multiple_of(7) {
        cells.push(None);
    }
    let mut weeks = Vec::new();
    let mut iter = cells.into_iter().peekable();
    while iter.peek().is_some() {
        weeks.push(iter.by_ref().take(7).collect());
    }
    let month_href = |d: Date| {
        format!(
            "/dashboard/availability?month={}#override-calendar",
            month_key(d)
        )
    };
    MonthGrid {
        title: month_title(first),
        month: month_key(first),
        weeks,
        previous_href: month_href(first.saturating_sub(1.month())),
        next_href: month_href(first.saturating_add(1.month())),
    }
}

/// The editor for `date`: its override if it has one, else the weekly hours.
pub(super) fn day_editor(date: Date, weekly: &WeeklyRules, overrides: &DateOverrides) -> DayEditor {
    let weekly_hours = weekly
        .get(weekday_key(date))
        .map(|w| hours_text(w))
        .unwrap_or_else(|| "unavailable".to_owned());
    let (mode, windows) = match overrides.get(&date.to_string()) {
        Some(w) if w.is_empty() => ("closed", String::new()),
        Some(w) => ("hours", windows_text(w)),
        None => ("weekly", String::new()),
    };
    DayEditor {
        date: date.to_string(),
        title: long_date(date),
        mode: mode.to_owned(),
        windows,
        weekly: weekly_hours,
    }
}

/// Every override from `from` on, in date order.
pub(super) fn override_rows(overrides: &DateOverrides, from: Date) -> Vec<OverrideRow> {
    overrides
        .iter()
        .filter_map(|(key, windows)| {
            let date = parse_day(key)?;
            (date >= from).then(|| OverrideRow {
                date: key.clone(),
                title: long_date(date),
                hours: hours_text(windows),
                href: day_href(date),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        parse_day(text).unwrap_or_default()
    }

    #[test]
    fn a_month_starts_on_its_weekday_and_marks_overrides() {
        let mut overrides = DateOverrides::new();
        overrides.insert("2026-12-24".to_owned(), Vec::new());
        overrides.insert(
            "2026-12-31".to_owned(),
            vec![["10:00".to_owned(), "12:00".to_owned()]],
        );
        let first = parse_month("2026-12").unwrap_or_default();
        let grid = month_grid(
            first,
            Some(date("2026-12-31")),
            date("2026-12-01"),
            &overrides,
        );
        assert_eq!(grid.title, "December 2026");
        // 1 December 2026 is a Tuesday: one blank before it.
        assert!(grid.weeks[0][0].is_none());
        let cells: Vec<&DayCell> = grid.weeks.iter().flatten().flatten().collect();
        assert_eq!(cells.len(), 31);
        assert!(grid.weeks.iter().all(|w| w.len() == 7));
        let eve = cells
            .iter()
            .find(|c| c.date == "2026-12-24")
            .map(|c| c.state);
        assert_eq!(eve, Some("closed"));
        let last = cells.last().map(|c| (c.state, c.selected, c.label.clone()));
        assert_eq!(
            last,
            Some((
                "custom",
                true,
                "Thursday 31 December 2026, custom hours 10:00-12:00".to_owned()
            ))
        );
        assert!(grid.previous_href.contains("month=2026-11"));
        assert!(grid.next_href.contains("month=2027-01"));
    }

    #[test]
    fn the_editor_shows_the_override_or_the_weekly_hours() {
        let mut weekly = WeeklyRules::new();
        weekly.insert(
            "thu".to_owned(),
            vec![["09:00".to_owned(), "17:00".to_owned()]],
        );
        let mut overrides = DateOverrides::new();
        overrides.insert("2026-12-24".to_owned(), Vec::new());
        let eve = day_editor(date("2026-12-24"), &weekly, &overrides);
        assert_eq!(
            (eve.mode.as_str(), eve.weekly.as_str()),
            ("closed", "09:00-17:00")
        );
        let plain = day_editor(date("2026-12-17"), &weekly, &overrides);
        assert_eq!(plain.mode, "weekly");
        let rows = override_rows(&overrides, date("2026-12-25"));
        assert!(rows.is_empty(), "past overrides are not listed");
    }

    #[test]
    fn months_and_days_are_read_strictly() {
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("december"), None);
        assert_eq!(parse_day("2026-02-30"), None);
    }
}
