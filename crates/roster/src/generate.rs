//! Timefold-like demo instances (the employee-scheduling quickstart's SMALL and LARGE data
//! sets, re-made): a hospital with three locations, Doctors and Nurses, some with
//! Anaesthetics or Cardiology, four shift patterns a day, and each person a few
//! unavailable, undesired and desired dates. Deterministic for a seed.

use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use serde_json::json;

use crate::instance::{Instance, Participant, Target};
use crate::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub people: usize,
    pub days: usize,
    pub shifts_per_day: usize,
}

/// 15 people, 14 days, 140 shifts.
pub const SMALL: Size = Size {
    people: 15,
    days: 14,
    shifts_per_day: 10,
};

/// 50 people, 28 days, 952 shifts.
pub const LARGE: Size = Size {
    people: 50,
    days: 28,
    shifts_per_day: 34,
};

impl Size {
    /// `factor` times the people and the shifts a day, over the same days.
    pub fn times(self, factor: usize) -> Size {
        Size {
            people: self.people * factor,
            shifts_per_day: self.shifts_per_day * factor,
            ..self
        }
    }
}

const LOCATIONS: [&str; 3] = ["Ambulatory care", "Critical care", "Pediatric care"];
const OPTIONAL_SKILLS: [&str; 2] = ["Anaesthetics", "Cardiology"];
/// (start hour, length in hours); the night shift ends the next morning.
const PATTERNS: [(i8, i64); 4] = [(6, 8), (9, 8), (14, 8), (22, 8)];
const FIRST_DAY: Date = date(2024, 1, 1);
const ZONE: &str = "Europe/Berlin";

/// A demo instance that is feasible by construction: a roster is planted first (each shift
/// to someone free that day and rested), then each shift requires skills its planted person
/// has, and nobody is unavailable on a day they are planted.
pub fn instance(size: Size, seed: u64) -> Instance {
    let mut rng = Rng::new(seed);
    let timezone = TimeZone::get(ZONE).unwrap_or(TimeZone::UTC);
    let day = |i: usize| {
        FIRST_DAY
            .checked_add(jiff::Span::new().days(i as i64))
            .unwrap_or(FIRST_DAY)
    };
    let skills: Vec<Vec<String>> = (0..size.people)
        .map(|i| {
            // One in three is a Doctor, the rest Nurses, as in the demo.
            let mut skills = vec![if i % 3 == 0 { "Doctor" } else { "Nurse" }.to_owned()];
            for skill in OPTIONAL_SKILLS {
                if rng.chance(40) {
                    skills.push(skill.to_owned());
                }
            }
            skills
        })
        .collect();
    let mut planted_days = vec![Vec::new(); size.people];
    let mut free_from = vec![i64::MIN; size.people];
    let mut targets = Vec::new();
    for d in 0..size.days {
        let mut shifts: Vec<usize> = (0..size.shifts_per_day).collect();
        shifts.sort_by_key(|k| PATTERNS[k % PATTERNS.len()].0);
        let mut busy_today = vec![false; size.people];
        for k in shifts {
            let (hour, hours) = PATTERNS[k % PATTERNS.len()];
            let start = day(d)
                .at(hour, 0, 0, 0)
                .to_zoned(timezone.clone())
                .map(|z| z.timestamp())
                .unwrap_or_default();
            let end =
                jiff::Timestamp::from_second(start.as_second() + hours * 3600).unwrap_or_default();
            let rested: Vec<usize> = (0..size.people)
                .filter(|&p| !busy_today[p] && free_from[p] <= start.as_second())
                .collect();
            let pool: Vec<usize> = if rested.is_empty() {
                (0..size.people).filter(|&p| !busy_today[p]).collect()
            } else {
                rested
            };
            let person = pool.get(rng.below(pool.len().max(1))).copied();
            let mut required_skills = Vec::new();
            if let Some(p) = person {
                busy_today[p] = true;
                free_from[p] = end.as_second() + 600 * 60;
                planted_days[p].push(d);
                required_skills.push(skills[p][0].clone());
                if skills[p].len() > 1 && rng.chance(25) {
                    required_skills.push(skills[p][1 + rng.below(skills[p].len() - 1)].clone());
                }
            }
            targets.push(Target {
                id: format!("s{}", targets.len() + 1),
                start,
                end,
                location: LOCATIONS[k % LOCATIONS.len()].to_owned(),
                required_count: 1,
                required_skills,
            });
        }
    }
    let participants = (0..size.people)
        .map(|i| {
            let mut some_dates = |avoid: &[usize]| -> Vec<Date> {
                let mut days: Vec<usize> = (0..1 + rng.below(2))
                    .map(|_| rng.below(size.days))
                    .filter(|d| !avoid.contains(d))
                    .collect();
                days.sort_unstable();
                days.dedup();
                days.into_iter().map(day).collect()
            };
            Participant {
                id: format!("p{}", i + 1),
                name: Some(format!("Person {}", i + 1)),
                skills: skills[i].clone(),
                unavailable_dates: some_dates(&planted_days[i]),
                undesired_dates: some_dates(&[]),
                desired_dates: some_dates(&[]),
            }
        })
        .collect();
    Instance {
        name: Some(format!("demo-{}x{}", size.people, size.days)),
        timezone,
        horizon_start: FIRST_DAY,
        horizon_days: size.days as u32,
        min_rest_minutes: 600,
        max_per_day: 1,
        participants,
        targets,
    }
}

/// The `roster-instance/1` document of an instance.
pub fn to_json(instance: &Instance) -> String {
    let zone = instance.timezone.iana_name().unwrap_or("UTC");
    let dates = |dates: &[Date]| dates.iter().map(|d| d.to_string()).collect::<Vec<_>>();
    let document = json!({
        "format": "roster-instance/1",
        "name": instance.name,
        "timezone": zone,
        "horizon": {"start": instance.horizon_start.to_string(), "days": instance.horizon_days},
        "rules": {"min_rest_minutes": instance.min_rest_minutes, "max_per_day": instance.max_per_day},
        "participants": instance.participants.iter().map(|p| json!({
            "id": p.id, "name": p.name, "skills": p.skills,
            "unavailable_dates": dates(&p.unavailable_dates),
            "undesired_dates": dates(&p.undesired_dates),
            "desired_dates": dates(&p.desired_dates),
        })).collect::<Vec<_>>(),
        "targets": instance.targets.iter().map(|t| json!({
            "id": t.id,
            "start": t.start.to_zoned(instance.timezone.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
            "end": t.end.to_zoned(instance.timezone.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
            "location": t.location, "required_count": t.required_count,
            "required_skills": t.required_skills,
        })).collect::<Vec<_>>(),
    });
    document.to_string()
}
