//! The score of ROSTER.md and its incremental upkeep.
//!
//! [`Facts`] turns an instance into what the constraints read (seconds since the epoch, local
//! day numbers, interned skills). [`Roster`] holds a set of assignments with every figure of
//! the score kept up to date: adding or removing one assignment touches only that
//! participant's neighbouring assignments (sorted by start, found by binary search) and one
//! day counter, so its cost does not grow with the roster.
//!
//! Minutes: instants may carry seconds, so intervals are measured in seconds and each
//! figure's item (one overlapping pair, one rest gap, one assignment on one date) is
//! truncated to whole minutes, as Timefold's `Duration.toMinutes()` does.

use std::collections::HashMap;

use jiff::civil::Date;
use serde::Serialize;

use crate::instance::{Assignment, Instance};

/// What the constraints need of one target.
#[derive(Clone, Debug)]
pub struct TargetFacts {
    pub start: i64,
    pub end: i64,
    /// Local day number of the start.
    pub day: i32,
    /// Seconds of the interval on each local date it touches: (day number, seconds).
    pub slices: Vec<(i32, i64)>,
    pub required_skills: Vec<u32>,
    pub required: u32,
}

/// What the constraints need of one participant; lists sorted for binary search.
#[derive(Clone, Debug)]
pub struct ParticipantFacts {
    pub skills: Vec<u32>,
    pub unavailable: Vec<i32>,
    pub undesired: Vec<i32>,
    pub desired: Vec<i32>,
}

#[derive(Clone, Debug)]
pub struct Facts {
    pub targets: Vec<TargetFacts>,
    pub participants: Vec<ParticipantFacts>,
    pub min_rest: i64,
    pub max_per_day: u32,
    /// The longest target, which bounds how far back an overlapping or too-close one starts.
    max_duration: i64,
    first_day: i32,
    day_span: usize,
}

/// Days since 1970-01-01 of a civil date.
pub fn day_number(date: Date) -> i32 {
    let (y, m, d) = (
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as i32
}

fn sorted_days(dates: &[Date]) -> Vec<i32> {
    let mut days: Vec<i32> = dates.iter().map(|d| day_number(*d)).collect();
    days.sort_unstable();
    days.dedup();
    days
}

impl Facts {
    pub fn new(instance: &Instance) -> Self {
        let mut skill_ids: HashMap<String, u32> = HashMap::new();
        let mut intern = |names: &[String]| -> Vec<u32> {
            let mut ids: Vec<u32> = names
                .iter()
                .map(|name| {
                    let next = skill_ids.len() as u32;
                    *skill_ids.entry(name.clone()).or_insert(next)
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let zone = &instance.timezone;
        let targets: Vec<TargetFacts> = instance
            .targets
            .iter()
            .map(|t| {
                let (start, end) = (t.start.as_second(), t.end.as_second());
                let start_date = t.start.to_zoned(zone.clone()).date();
                let mut slices = Vec::new();
                let mut date = start_date;
                loop {
                    let midnight = |d: Date| d.to_zoned(zone.clone()).map(|z| z.timestamp());
                    let next = date.tomorrow().ok().and_then(|d| midnight(d).ok());
                    let day_end = next.map_or(end, |n| n.as_second().min(end));
                    let day_start = midnight(date).map_or(start, |m| m.as_second().max(start));
                    if day_end > day_start {
                        slices.push((day_number(date), day_end - day_start));
                    }
                    match date.tomorrow() {
                        Ok(d) if day_end < end => date = d,
                        _ => break,
                    }
                }
                TargetFacts {
                    start,
                    end,
                    day: day_number(start_date),
                    slices,
                    required_skills: intern(&t.required_skills),
                    required: t.required_count,
                }
            })
            .collect();
        let participants = instance
            .participants
            .iter()
            .map(|p| ParticipantFacts {
                skills: intern(&p.skills),
                unavailable: sorted_days(&p.unavailable_dates),
                undesired: sorted_days(&p.undesired_dates),
                desired: sorted_days(&p.desired_dates),
            })
            .collect();
        let first_day = targets.iter().map(|t| t.day).min().unwrap_or(0);
        let last_day = targets.iter().map(|t| t.day).max().unwrap_or(0);
        Facts {
            max_duration: targets.iter().map(|t| t.end - t.start).max().unwrap_or(0),
            targets,
            participants,
            min_rest: instance.min_rest_minutes * 60,
            max_per_day: instance.max_per_day,
            first_day,
            day_span: (last_day - first_day + 1) as usize,
        }
    }

    /// 1 when the participant lacks one of the target's required skills.
    pub fn lacks_skill(&self, participant: u32, target: u32) -> bool {
        let skills = &self.participants[participant as usize].skills;
        self.targets[target as usize]
            .required_skills
            .iter()
            .any(|s| skills.binary_search(s).is_err())
    }

    /// Minutes of the target on the given dates, per date truncated.
    pub fn minutes_on(&self, dates: &[i32], target: u32) -> i64 {
        self.targets[target as usize]
            .slices
            .iter()
            .filter(|(day, _)| dates.binary_search(day).is_ok())
            .map(|(_, seconds)| seconds / 60)
            .sum()
    }

    /// May this participant ever take this target: the skills, and not unavailable then.
    pub fn allowed(&self, participant: u32, target: u32) -> bool {
        !self.lacks_skill(participant, target)
            && self.minutes_on(&self.participants[participant as usize].unavailable, target) == 0
    }

    /// (overlap minutes, rest minutes) of one participant holding both targets.
    pub fn pair(&self, a: u32, b: u32) -> (i64, i64) {
        let (a, b) = (&self.targets[a as usize], &self.targets[b as usize]);
        let overlap = a.end.min(b.end) - a.start.max(b.start);
        if overlap > 0 {
            return (overlap / 60, 0);
        }
        let gap = if a.end <= b.start {
            b.start - a.end
        } else {
            a.start - b.end
        };
        if gap < self.min_rest {
            (0, (self.min_rest - gap) / 60)
        } else {
            (0, 0)
        }
    }

    /// The one-per-day figure of a participant's date with `n` assignments starting on it.
    pub fn per_day_penalty(&self, n: i64) -> i64 {
        if self.max_per_day == 1 {
            n * (n - 1) / 2
        } else {
            (n - i64::from(self.max_per_day)).max(0)
        }
    }
}

/// Every figure of the score, as integers (unfairness from `count` and `sum_sq`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub skill: i64,
    pub overlap: i64,
    pub rest: i64,
    pub one_per_day: i64,
    pub unavailable: i64,
    pub short: i64,
    pub over: i64,
    pub desired: i64,
    pub undesired: i64,
    /// Number of assignments and the sum of each participant's count squared.
    pub count: i64,
    pub sum_sq: i64,
    pub participants: i64,
}

impl Totals {
    /// The hard figures that `timefold_style.hard` sums (coverage is counted apart).
    pub fn hard(&self) -> i64 {
        self.skill + self.overlap + self.rest + self.one_per_day + self.unavailable
    }

    /// sqrt(sum over all participants of (count - mean)^2), unrounded.
    pub fn unfairness(&self) -> f64 {
        if self.participants == 0 {
            return 0.0;
        }
        // n * sum(c^2) - (sum c)^2 = n^2 * variance-sum, exact in integers.
        let n = self.participants as i128;
        let scaled = n * i128::from(self.sum_sq) - i128::from(self.count).pow(2);
        ((scaled.max(0) as f64) / n as f64).sqrt()
    }

    /// What the solver minimises, lexicographically: seats short, hard, then soft (lower is
    /// better: undesired - desired + unfairness).
    pub fn cost(&self) -> Cost {
        Cost {
            short: self.short,
            hard: self.hard() + self.over,
            soft: (self.undesired - self.desired) as f64 + self.unfairness(),
        }
    }
}

/// A lexicographic cost; `soft` compares with a tolerance so float noise never counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    pub short: i64,
    pub hard: i64,
    pub soft: f64,
}

const SOFT_TOLERANCE: f64 = 1e-9;

impl Cost {
    /// Strictly better.
    pub fn better_than(&self, other: &Cost) -> bool {
        (self.short, self.hard) < (other.short, other.hard)
            || ((self.short, self.hard) == (other.short, other.hard)
                && self.soft < other.soft - SOFT_TOLERANCE)
    }

    /// Better or equal.
    pub fn at_least_as_good(&self, other: &Cost) -> bool {
        !other.better_than(self)
    }
}

/// A set of assignments with its score kept current.
#[derive(Clone, Debug)]
pub struct Roster<'f> {
    facts: &'f Facts,
    /// Each participant's targets, sorted by (start, index).
    held: Vec<Vec<u32>>,
    /// Participant-major counts of assignments starting on each day.
    day_counts: Vec<u16>,
    target_counts: Vec<u32>,
    totals: Totals,
}

impl<'f> Roster<'f> {
    pub fn new(facts: &'f Facts) -> Self {
        let short = facts.targets.iter().map(|t| i64::from(t.required)).sum();
        Roster {
            facts,
            held: vec![Vec::new(); facts.participants.len()],
            day_counts: vec![0; facts.participants.len() * facts.day_span],
            target_counts: vec![0; facts.targets.len()],
            totals: Totals {
                short,
                participants: facts.participants.len() as i64,
                ..Totals::default()
            },
        }
    }

    pub fn with(facts: &'f Facts, assignments: &[Assignment]) -> Self {
        let mut roster = Roster::new(facts);
        for &(t, p) in assignments {
            roster.add(p, t);
        }
        roster
    }

    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    pub fn cost(&self) -> Cost {
        self.totals.cost()
    }

    pub fn holds(&self, participant: u32, target: u32) -> bool {
        self.position(participant, target).is_ok()
    }

    pub fn count_of(&self, participant: u32) -> usize {
        self.held[participant as usize].len()
    }

    fn position(&self, participant: u32, target: u32) -> Result<usize, usize> {
        let key = (self.facts.targets[target as usize].start, target);
        self.held[participant as usize]
            .binary_search_by_key(&key, |&u| (self.facts.targets[u as usize].start, u))
    }

    /// Adds one assignment (the caller keeps a participant to once per target).
    pub fn add(&mut self, participant: u32, target: u32) {
        self.change(participant, target, 1);
        let at = self.position(participant, target).unwrap_or_else(|at| at);
        self.held[participant as usize].insert(at, target);
    }

    /// Removes one assignment the roster holds; anything else is left alone.
    pub fn remove(&mut self, participant: u32, target: u32) {
        if let Ok(at) = self.position(participant, target) {
            self.held[participant as usize].remove(at);
            self.change(participant, target, -1);
        }
    }

    /// Applies the score change of `participant` gaining (`sign` 1) or losing (-1) `target`,
    /// with `target` not in the participant's list.
    fn change(&mut self, participant: u32, target: u32, sign: i64) {
        let facts = self.facts;
        let person = &facts.participants[participant as usize];
        let t = &facts.targets[target as usize];
        let totals = &mut self.totals;
        totals.skill += sign * i64::from(facts.lacks_skill(participant, target));
        totals.unavailable += sign * facts.minutes_on(&person.unavailable, target);
        totals.undesired += sign * facts.minutes_on(&person.undesired, target);
        totals.desired += sign * facts.minutes_on(&person.desired, target);

        // Neighbours that can overlap or come within the rest: starts in
        // [start - rest - longest, end + rest).
        let held = &self.held[participant as usize];
        let from = t.start - facts.min_rest - facts.max_duration;
        let until = t.end + facts.min_rest;
        let first = held.partition_point(|&u| facts.targets[u as usize].start < from);
        for &u in &held[first..] {
            if facts.targets[u as usize].start >= until {
                break;
            }
            let (overlap, rest) = facts.pair(target, u);
            totals.overlap += sign * overlap;
            totals.rest += sign * rest;
        }

        let slot = participant as usize * facts.day_span + (t.day - facts.first_day) as usize;
        let before = i64::from(self.day_counts[slot]);
        let after = before + sign;
        self.day_counts[slot] = after as u16;
        totals.one_per_day += facts.per_day_penalty(after) - facts.per_day_penalty(before);

        let required = i64::from(t.required);
        let before = i64::from(self.target_counts[target as usize]);
        let after = before + sign;
        self.target_counts[target as usize] = after as u32;
        totals.short += (required - after).max(0) - (required - before).max(0);
        totals.over += (after - required).max(0) - (before - required).max(0);

        // Adding, the target is not in the list yet; removing, it has left it already.
        let count_before = if sign > 0 {
            held.len() as i64
        } else {
            held.len() as i64 + 1
        };
        let count_after = count_before + sign;
        totals.count += sign;
        totals.sum_sq += count_after * count_after - count_before * count_before;
    }

    pub fn report(&self) -> ScoreReport {
        ScoreReport::from_totals(&self.totals)
    }
}

/// The score document of ROSTER.md.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ScoreReport {
    pub hard_feasible: bool,
    pub hard: HardReport,
    pub soft: SoftReport,
    pub timefold_style: TimefoldStyle,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct HardReport {
    pub skill: i64,
    pub overlap_minutes: i64,
    pub rest_minutes: i64,
    pub one_per_day_pairs: i64,
    pub unavailable_minutes: i64,
    pub coverage_short: i64,
    pub coverage_over: i64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SoftReport {
    pub desired_minutes: i64,
    pub undesired_minutes: i64,
    pub unfairness: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TimefoldStyle {
    pub hard: i64,
    pub soft: f64,
}

impl ScoreReport {
    pub fn from_totals(totals: &Totals) -> Self {
        let hard = HardReport {
            skill: totals.skill,
            overlap_minutes: totals.overlap,
            rest_minutes: totals.rest,
            one_per_day_pairs: totals.one_per_day,
            unavailable_minutes: totals.unavailable,
            coverage_short: totals.short,
            coverage_over: totals.over,
        };
        let (mantissa, exponent) = six_significant(totals.unfairness());
        let unfairness = decimal(i128::from(mantissa), exponent);
        let soft_minutes = i128::from(totals.desired - totals.undesired);
        // desired - undesired - unfairness, exact in decimal, then read as the nearest f64.
        let soft = if exponent < 0 {
            let scale = 10i128.pow(exponent.unsigned_abs());
            decimal(soft_minutes * scale - i128::from(mantissa), exponent)
        } else {
            (soft_minutes - i128::from(mantissa) * 10i128.pow(exponent as u32)) as f64
        };
        ScoreReport {
            hard_feasible: totals.hard() + totals.short + totals.over == 0,
            timefold_style: TimefoldStyle {
                hard: -totals.hard(),
                soft,
            },
            hard,
            soft: SoftReport {
                desired_minutes: totals.desired,
                undesired_minutes: totals.undesired,
                unfairness,
            },
        }
    }
}

/// `value` rounded to 6 significant digits as mantissa × 10^exponent (mantissa < 10^6).
pub fn six_significant(value: f64) -> (i64, i32) {
    if value == 0.0 || !value.is_finite() {
        return (0, 0);
    }
    // Rust's `{:e}` rounds the exact binary value correctly.
    let text = format!("{value:.5e}");
    let Some((digits, exponent)) = text.split_once('e') else {
        return (0, 0);
    };
    let mantissa: i64 = digits.replace('.', "").parse().unwrap_or(0);
    let exponent: i32 = exponent.parse().unwrap_or(0);
    (mantissa, exponent - 5)
}

/// The f64 nearest to `mantissa` × 10^`exponent`, read from its decimal text.
fn decimal(mantissa: i128, exponent: i32) -> f64 {
    format!("{mantissa}e{exponent}").parse().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    //! Timefold's employee-scheduling constraint-provider tests, restated with our own
    //! people, shifts and numbers, plus a brute-force scorer the incremental one must match.
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;
    use crate::instance::parse_instance;

    /// Berlin, January (UTC+1): `shift("d2", 8, 16)` is 2024-01-02 08:00-16:00 local.
    fn shift(id: &str, day: u32, from: u32, to: u32, skills: &[&str]) -> String {
        let end_day = if to >= 24 { day + 1 } else { day };
        format!(
            r#"{{"id": "{id}", "start": "2024-01-{day:02}T{from:02}:00:00+01:00",
                "end": "2024-01-{end_day:02}T{:02}:00:00+01:00", "location": "Ward",
                "required_count": 1, "required_skills": {}}}"#,
            to % 24,
            serde_json::to_string(skills).unwrap()
        )
    }

    fn instance(rules: &str, people: &[&str], shifts: &[String]) -> Instance {
        let text = format!(
            r#"{{"format": "roster-instance/1", "timezone": "Europe/Berlin",
                "horizon": {{"start": "2024-01-01", "days": 14}}, "rules": {rules},
                "participants": [{}], "targets": [{}]}}"#,
            people.join(","),
            shifts.join(",")
        );
        parse_instance(&text).unwrap()
    }

    fn totals(instance: &Instance, assignments: &[Assignment]) -> Totals {
        let facts = Facts::new(instance);
        *Roster::with(&facts, assignments).totals()
    }

    const ANA: &str = r#"{"id": "ana", "skills": ["Nurse"]}"#;

    #[test]
    fn a_missing_required_skill_counts_once_per_assignment() {
        let i = instance(
            "{}",
            &[ANA],
            &[
                shift("a", 2, 6, 14, &["Nurse", "Cardiology"]),
                shift("b", 4, 6, 14, &["Doctor"]),
                shift("c", 6, 6, 14, &["Nurse"]),
            ],
        );
        assert_eq!(totals(&i, &[(0, 0), (1, 0), (2, 0)]).skill, 2);
    }

    #[test]
    fn overlapping_shifts_cost_their_overlap_and_touching_ones_nothing() {
        let i = instance(
            r#"{"min_rest_minutes": 0, "max_per_day": 3}"#,
            &[ANA],
            &[
                shift("a", 2, 6, 14, &[]),
                shift("b", 2, 11, 19, &[]),
                shift("c", 2, 19, 23, &[]),
            ],
        );
        // a and b share 11:00-14:00; b ends when c starts.
        assert_eq!(totals(&i, &[(0, 0), (1, 0)]).overlap, 180);
        assert_eq!(totals(&i, &[(1, 0), (2, 0)]).overlap, 0);
    }

    #[test]
    fn a_short_rest_costs_the_minutes_missing() {
        let i = instance(
            "{}",
            &[ANA],
            &[
                shift("late", 2, 14, 22, &[]),
                shift("early", 3, 6, 14, &[]),
                shift("later", 3, 9, 17, &[]),
            ],
        );
        // 8 hours between late and early: 120 minutes short of 600; 11 hours is enough.
        assert_eq!(totals(&i, &[(0, 0), (1, 0)]).rest, 120);
        assert_eq!(totals(&i, &[(0, 0), (2, 0)]).rest, 0);
    }

    #[test]
    fn two_shifts_starting_the_same_local_day_are_one_pair_and_three_are_three() {
        let shifts = [
            shift("a", 5, 1, 3, &[]),
            shift("b", 5, 8, 10, &[]),
            shift("c", 5, 20, 22, &[]),
        ];
        let i = instance(r#"{"min_rest_minutes": 0}"#, &[ANA], &shifts);
        assert_eq!(totals(&i, &[(0, 0), (1, 0)]).one_per_day, 1);
        assert_eq!(totals(&i, &[(0, 0), (1, 0), (2, 0)]).one_per_day, 3);
        // With two a day allowed, only the third counts.
        let i = instance(
            r#"{"min_rest_minutes": 0, "max_per_day": 2}"#,
            &[ANA],
            &shifts,
        );
        assert_eq!(totals(&i, &[(0, 0), (1, 0), (2, 0)]).one_per_day, 1);
    }

    #[test]
    fn date_lists_count_the_minutes_of_the_shift_on_that_local_date() {
        let bo = r#"{"id": "bo", "skills": [], "unavailable_dates": ["2024-01-03"],
                     "undesired_dates": ["2024-01-05"], "desired_dates": ["2024-01-07", "2024-01-08"]}"#;
        let i = instance(
            "{}",
            &[bo],
            &[
                // 22:00 on the 2nd to 06:00 on the 3rd: six hours on the unavailable date.
                shift("night", 2, 22, 30, &[]),
                shift("day", 5, 8, 16, &[]),
                shift("across", 7, 20, 28, &[]),
            ],
        );
        let t = totals(&i, &[(0, 0), (1, 0), (2, 0)]);
        assert_eq!((t.unavailable, t.undesired, t.desired), (360, 480, 480));
    }

    #[test]
    fn unfairness_counts_people_with_no_assignment() {
        let people = [ANA, r#"{"id": "bo", "skills": []}"#];
        let shifts = [
            shift("a", 2, 6, 14, &[]),
            shift("b", 4, 6, 14, &[]),
            shift("c", 6, 6, 14, &[]),
        ];
        let i = instance("{}", &people, &shifts);
        // Counts 3 and 0, mean 1.5: sqrt(2.25 + 2.25).
        let report = ScoreReport::from_totals(&totals(&i, &[(0, 0), (1, 0), (2, 0)]));
        assert_eq!(report.soft.unfairness, 2.12132);
        assert_eq!(report.timefold_style.soft, -2.12132);
        let fairer = ScoreReport::from_totals(&totals(&i, &[(0, 0), (1, 1), (2, 0)]));
        assert!(fairer.soft.unfairness < report.soft.unfairness);
        assert!(fairer.hard_feasible);
    }

    #[test]
    fn six_significant_digits_and_the_soft_total_are_exact_decimals() {
        assert_eq!(six_significant(1.316_564_9), (131_656, -5));
        assert_eq!(six_significant(123_456_789.0), (123_457, 3));
        let totals = Totals {
            desired: 480,
            participants: 5,
            count: 3,
            sum_sq: 3,
            ..Totals::default()
        };
        // Counts 1, 1, 1, 0, 0: sqrt(3 - 9/5) = 1.095445...
        let report = ScoreReport::from_totals(&totals);
        assert_eq!(report.soft.unfairness, 1.09545);
        assert_eq!(report.timefold_style.soft, 478.90455);
    }

    #[test]
    fn coverage_counts_seats_short_and_over() {
        let mut a = shift("a", 2, 6, 14, &[]);
        a = a.replace(r#""required_count": 1"#, r#""required_count": 2"#);
        let people = [ANA, r#"{"id": "bo", "skills": []}"#];
        let i = instance("{}", &people, &[a, shift("b", 4, 6, 14, &[])]);
        let t = totals(&i, &[(0, 0), (1, 0), (1, 1)]);
        assert_eq!((t.short, t.over), (1, 1));
        assert!(!ScoreReport::from_totals(&t).hard_feasible);
    }

    /// The score straight from ROSTER.md's definitions, pair by pair.
    fn brute_force(facts: &Facts, assignments: &[Assignment]) -> Totals {
        let mut t = Totals {
            participants: facts.participants.len() as i64,
            ..Totals::default()
        };
        for (p, person) in facts.participants.iter().enumerate() {
            let mine: Vec<u32> = assignments
                .iter()
                .filter(|a| a.1 as usize == p)
                .map(|a| a.0)
                .collect();
            for (i, &a) in mine.iter().enumerate() {
                t.skill += i64::from(facts.lacks_skill(p as u32, a));
                t.unavailable += facts.minutes_on(&person.unavailable, a);
                t.undesired += facts.minutes_on(&person.undesired, a);
                t.desired += facts.minutes_on(&person.desired, a);
                for &b in &mine[i + 1..] {
                    let (ta, tb) = (&facts.targets[a as usize], &facts.targets[b as usize]);
                    let overlap = ta.end.min(tb.end) - ta.start.max(tb.start);
                    if overlap > 0 {
                        t.overlap += overlap / 60;
                    }
                    for (x, y) in [(ta, tb), (tb, ta)] {
                        if x.end <= y.start && y.start - x.end < facts.min_rest {
                            t.rest += (facts.min_rest - (y.start - x.end)) / 60;
                        }
                    }
                    if facts.max_per_day == 1 && ta.day == tb.day {
                        t.one_per_day += 1;
                    }
                }
            }
            if facts.max_per_day > 1 {
                let mut days: HashMap<i32, i64> = HashMap::new();
                for &a in &mine {
                    *days.entry(facts.targets[a as usize].day).or_default() += 1;
                }
                t.one_per_day += days
                    .values()
                    .map(|&n| (n - i64::from(facts.max_per_day)).max(0))
                    .sum::<i64>();
            }
            t.count += mine.len() as i64;
            t.sum_sq += (mine.len() * mine.len()) as i64;
        }
        for (i, target) in facts.targets.iter().enumerate() {
            let n = assignments.iter().filter(|a| a.0 as usize == i).count() as i64;
            t.short += (i64::from(target.required) - n).max(0);
            t.over += (n - i64::from(target.required)).max(0);
        }
        t
    }

    fn random_instance(seed: u64, people: usize, shifts: usize, max_per_day: u32) -> Instance {
        let mut rng = crate::rng::Rng::new(seed);
        let skills = ["A", "B"];
        let people: Vec<String> = (0..people)
            .map(|i| {
                let day =
                    |rng: &mut crate::rng::Rng| format!("\"2024-01-{:02}\"", 1 + rng.below(5));
                format!(
                    r#"{{"id": "p{i}", "skills": ["{}"], "unavailable_dates": [{}],
                        "undesired_dates": [{}], "desired_dates": [{}]}}"#,
                    skills[rng.below(2)],
                    day(&mut rng),
                    day(&mut rng),
                    day(&mut rng)
                )
            })
            .collect();
        let shifts: Vec<String> = (0..shifts)
            .map(|i| {
                let day = 1 + rng.below(5) as u32;
                let from = rng.below(20) as u32;
                let to = from + 2 + rng.below(10) as u32;
                let skill: &[&str] = if rng.chance(50) {
                    &[]
                } else {
                    &[skills[rng.below(2)]]
                };
                shift(&format!("s{i}"), day, from, to, skill).replace(
                    r#""required_count": 1"#,
                    &format!(r#""required_count": {}"#, rng.below(3)),
                )
            })
            .collect();
        let refs: Vec<&str> = people.iter().map(String::as_str).collect();
        instance(
            &format!(r#"{{"min_rest_minutes": 600, "max_per_day": {max_per_day}}}"#),
            &refs,
            &shifts,
        )
    }

    proptest! {
        #[test]
        fn incremental_score_matches_brute_force_after_random_moves(
            seed in any::<u64>(),
            max_per_day in 1u32..3,
            moves in proptest::collection::vec((any::<u32>(), any::<u32>(), any::<bool>()), 0..60),
        ) {
            let instance = random_instance(seed, 4, 8, max_per_day);
            let facts = Facts::new(&instance);
            let mut roster = Roster::new(&facts);
            let mut held: Vec<Assignment> = Vec::new();
            for (t, p, add) in moves {
                let (t, p) = (t % 8, p % 4);
                if add && !held.contains(&(t, p)) {
                    roster.add(p, t);
                    held.push((t, p));
                } else if !add {
                    roster.remove(p, t);
                    held.retain(|&a| a != (t, p));
                }
                prop_assert_eq!(*roster.totals(), brute_force(&facts, &held));
            }
        }
    }
}
