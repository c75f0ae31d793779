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

pub fn instance(size: Size, seed: u64) -> Instance {
    let mut rng = Rng::new(seed);
    let timezone = TimeZone::get(ZONE).unwrap_or(TimeZone::UTC);
    let day = |i: usize| {
        FIRST_DAY
            .checked_add(jiff::Span::new().days(i as i64))
            .unwrap_or(FIRST_DAY)
    };
    let some_dates = |rng: &mut Rng| -> Vec<Date> {
        let mut dates: Vec<Date> = (0..1 + rng.below(2))
            .map(|_| day(rng.below(size.days)))
            .collect();
        dates.sort();
        dates.dedup();
        dates
    };
    let participants = (0..size.people)
        .map(|i| {
            // One in three is a Doctor, as many Nurses as the demo's.
            let mut skills = vec![if i % 3 == 0 { "Doctor" } else { "Nurse" }.to_owned()];
            for skill in OPTIONAL_SKILLS {
                if rng.chance(40) {
                    skills.push(skill.to_owned());
                }
            }
            Participant {
                id: format!("p{}", i + 1),
                name: Some(format!("Person {}", i + 1)),
                skills,
                unavailable_dates: some_dates(&mut rng),
                undesired_dates: some_dates(&mut rng),
                desired_dates: some_dates(&mut rng),
            }
        })
        .collect();
    let mut targets = Vec::new();
    for d in 0..size.days {
        for k in 0..size.shifts_per_day {
            let (hour, hours) = PATTERNS[k % PATTERNS.len()];
            let start = day(d)
                .at(hour, 0, 0, 0)
                .to_zoned(timezone.clone())
                .map(|z| z.timestamp())
                .unwrap_or_default();
            let end =
                jiff::Timestamp::from_second(start.as_second() + hours * 3600).unwrap_or_default();
            let mut required_skills =
                vec![if rng.chance(30) { "Doctor" } else { "Nurse" }.to_owned()];
            if rng.chance(20) {
                required_skills.push(OPTIONAL_SKILLS[rng.below(2)].to_owned());
            }
            targets.push(Target {
                id: format!("s{}", targets.len() + 1),
                start,
                end,
                location: LOCATIONS[(k / PATTERNS.len()) % LOCATIONS.len()].to_owned(),
                required_count: 1,
                required_skills,
            });
        }
    }
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
