//! The solver: construction greedy by scarcity, then late-acceptance local search.
//!
//! The roster is a list of seats, `required_count` per target. A seat only ever takes a
//! participant who is *allowed* on its target (has the required skills and is not
//! unavailable on a date the target touches), so the solver never makes a skill or
//! unavailability violation; overlaps, short rests and days with too many assignments are
//! what the search removes. The objective is lexicographic ([`Cost`]): seats short first,
//! then the hard figures, then the soft score.
//!
//! Determinism: the only randomness is [`Rng`] from the seed, and the search stops when it
//! has gone [`patience`] moves without a new best, so the same input and seed give the same
//! roster whenever that happens before the time limit (the limit is a safety net; a run cut
//! by it depends on the machine's speed).

use std::time::{Duration, Instant};

use crate::instance::Assignment;
use crate::rng::Rng;
use crate::score::{Cost, Facts, Roster};

#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    pub time_limit: Duration,
    /// A published roster's assignments: kept unless they became infeasible.
    pub pinned: Vec<Assignment>,
}

#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub assignments: Vec<Assignment>,
    /// Pinned assignments kept, and dropped because their participant may no longer take
    /// the target (or the target has fewer seats than were pinned on it).
    pub pinned_kept: usize,
    pub pinned_dropped: usize,
    /// Moves tried by the local search, and whether it stopped on the time limit.
    pub moves: u64,
    pub timed_out: bool,
}

#[derive(Clone, Copy, Debug)]
struct Seat {
    target: u32,
    occupant: Option<u32>,
}

/// Moves without a new best after which the search counts as converged.
pub fn patience(movable_seats: usize) -> u64 {
    (movable_seats as u64 * 400).max(50_000)
}

/// Length of the late-acceptance history.
const HISTORY: usize = 2_000;

pub fn solve(facts: &Facts, options: &Options) -> Outcome {
    let started = Instant::now();
    let mut rng = Rng::new(options.seed);
    let mut roster = Roster::new(facts);

    // Who may take each target, and the seats of each target (seats[first[t]..first[t+1]]).
    let allowed: Vec<Vec<u32>> = (0..facts.targets.len() as u32)
        .map(|t| {
            (0..facts.participants.len() as u32)
                .filter(|&p| facts.allowed(p, t))
                .collect()
        })
        .collect();
    let mut seats = Vec::new();
    let mut first_seat = Vec::with_capacity(facts.targets.len() + 1);
    for (t, target) in facts.targets.iter().enumerate() {
        first_seat.push(seats.len());
        for _ in 0..target.required {
            seats.push(Seat {
                target: t as u32,
                occupant: None,
            });
        }
    }
    first_seat.push(seats.len());

    // Pinned assignments take their target's first free seats and stay there.
    let mut fixed = vec![false; seats.len()];
    let mut outcome = Outcome::default();
    for &(t, p) in &options.pinned {
        let range = first_seat[t as usize]..first_seat[t as usize + 1];
        let free = range.clone().find(|&s| seats[s].occupant.is_none());
        match free {
            Some(s) if facts.allowed(p, t) && !roster.holds(p, t) => {
                seats[s].occupant = Some(p);
                fixed[s] = true;
                roster.add(p, t);
                outcome.pinned_kept += 1;
            }
            _ => outcome.pinned_dropped += 1,
        }
    }

    // Construction: the seats with the fewest allowed participants first, each to the
    // allowed participant that costs least (hard first, then soft).
    let mut order: Vec<usize> = (0..seats.len()).filter(|&s| !fixed[s]).collect();
    order.sort_by_key(|&s| {
        let t = seats[s].target as usize;
        (allowed[t].len(), facts.targets[t].start, s)
    });
    for &s in &order {
        let t = seats[s].target;
        let mut best: Option<(Cost, u32)> = None;
        for &p in &allowed[t as usize] {
            if roster.holds(p, t) {
                continue;
            }
            roster.add(p, t);
            let cost = roster.cost();
            roster.remove(p, t);
            if best.is_none_or(|(b, _)| cost.better_than(&b)) {
                best = Some((cost, p));
            }
        }
        if let Some((_, p)) = best {
            roster.add(p, t);
            seats[s].occupant = Some(p);
        }
    }

    // Local search over the seats that may change and have someone who could take them.
    let movable: Vec<usize> = order
        .into_iter()
        .filter(|&s| !allowed[seats[s].target as usize].is_empty())
        .collect();
    let mut current = roster.cost();
    let mut best = current;
    let mut best_seats = seats.clone();
    let mut history = vec![current; HISTORY];
    let patience = patience(movable.len());
    let mut since_best = 0u64;
    let mut moves = 0u64;
    while !movable.is_empty() && since_best < patience {
        if moves.is_multiple_of(1024) && started.elapsed() >= options.time_limit {
            outcome.timed_out = true;
            break;
        }
        moves += 1;
        since_best += 1;
        let s = movable[rng.below(movable.len())];
        let swap_with = if seats[s].occupant.is_some() && rng.chance(40) {
            Some(movable[rng.below(movable.len())])
        } else {
            None
        };
        let Some(undo) = (match swap_with {
            Some(other) => try_swap(facts, &mut roster, &mut seats, s, other),
            None => try_change(&allowed, &mut roster, &mut seats, s, &mut rng),
        }) else {
            continue;
        };
        let cost = roster.cost();
        let slot = (moves as usize) % HISTORY;
        if cost.at_least_as_good(&current) || cost.at_least_as_good(&history[slot]) {
            current = cost;
            if cost.better_than(&best) {
                best = cost;
                best_seats.clone_from(&seats);
                since_best = 0;
            }
        } else {
            undo.apply(&mut roster, &mut seats);
        }
        history[slot] = current;
    }
    outcome.moves = moves;
    outcome.assignments = best_seats
        .iter()
        .filter_map(|seat| seat.occupant.map(|p| (seat.target, p)))
        .collect();
    outcome
}

/// How to take a move back: the seats and occupants it replaced.
enum Undo {
    Change {
        seat: usize,
        was: Option<u32>,
        now: u32,
    },
    Swap {
        a: usize,
        b: usize,
    },
}

impl Undo {
    fn apply(self, roster: &mut Roster<'_>, seats: &mut [Seat]) {
        match self {
            Undo::Change { seat, was, now } => {
                let t = seats[seat].target;
                roster.remove(now, t);
                if let Some(p) = was {
                    roster.add(p, t);
                }
                seats[seat].occupant = was;
            }
            Undo::Swap { a, b } => swap(roster, seats, a, b),
        }
    }
}

/// Gives seat `s` another allowed participant not already on its target.
fn try_change(
    allowed: &[Vec<u32>],
    roster: &mut Roster<'_>,
    seats: &mut [Seat],
    s: usize,
    rng: &mut Rng,
) -> Option<Undo> {
    let t = seats[s].target;
    let candidates = &allowed[t as usize];
    let p = candidates[rng.below(candidates.len())];
    if roster.holds(p, t) {
        return None;
    }
    let was = seats[s].occupant;
    if let Some(old) = was {
        roster.remove(old, t);
    }
    roster.add(p, t);
    seats[s].occupant = Some(p);
    Some(Undo::Change {
        seat: s,
        was,
        now: p,
    })
}

/// Exchanges the occupants of two seats on different targets when each may take the other's.
fn try_swap(
    facts: &Facts,
    roster: &mut Roster<'_>,
    seats: &mut [Seat],
    a: usize,
    b: usize,
) -> Option<Undo> {
    let (
        Seat {
            target: ta,
            occupant: Some(pa),
        },
        Seat {
            target: tb,
            occupant: Some(pb),
        },
    ) = (seats[a], seats[b])
    else {
        return None;
    };
    if ta == tb
        || pa == pb
        || roster.holds(pa, tb)
        || roster.holds(pb, ta)
        || !facts.allowed(pa, tb)
        || !facts.allowed(pb, ta)
    {
        return None;
    }
    swap(roster, seats, a, b);
    Some(Undo::Swap { a, b })
}

fn swap(roster: &mut Roster<'_>, seats: &mut [Seat], a: usize, b: usize) {
    let (ta, tb) = (seats[a].target, seats[b].target);
    if let (Some(pa), Some(pb)) = (seats[a].occupant, seats[b].occupant) {
        roster.remove(pa, ta);
        roster.remove(pb, tb);
        roster.add(pb, ta);
        roster.add(pa, tb);
        seats[a].occupant = Some(pb);
        seats[b].occupant = Some(pa);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::generate::{self, SMALL};
    use crate::instance::parse_instance;
    use crate::score::Roster;

    fn options(seed: u64, pinned: Vec<Assignment>) -> Options {
        Options {
            seed,
            time_limit: Duration::from_secs(30),
            pinned,
        }
    }

    #[test]
    fn a_coverable_instance_comes_back_covered_and_hard_feasible() {
        let facts = Facts::new(&generate::instance(SMALL, 3));
        let outcome = solve(&facts, &options(1, Vec::new()));
        let report = Roster::with(&facts, &outcome.assignments).report();
        assert!(report.hard_feasible, "{report:?}");
        assert!(!outcome.timed_out);
    }

    #[test]
    fn the_same_seed_gives_the_same_roster() {
        let facts = Facts::new(&generate::instance(SMALL, 4));
        let a = solve(&facts, &options(9, Vec::new()));
        let b = solve(&facts, &options(9, Vec::new()));
        assert_eq!(a.assignments, b.assignments);
        assert_eq!(a.moves, b.moves);
    }

    #[test]
    fn pinned_assignments_stay_and_an_unavailable_one_is_replaced() {
        let mut instance = generate::instance(SMALL, 5);
        let facts = Facts::new(&instance);
        let published = solve(&facts, &options(1, Vec::new())).assignments;
        // The person on the first shift cannot come that day any more.
        let (t0, p0) = published[0];
        let date = instance.targets[t0 as usize]
            .start
            .to_zoned(instance.timezone.clone())
            .date();
        instance.participants[p0 as usize]
            .unavailable_dates
            .push(date);
        let facts = Facts::new(&instance);
        let again = solve(&facts, &options(2, published.clone()));
        assert_eq!(again.pinned_dropped, 1);
        assert_eq!(again.pinned_kept, published.len() - 1);
        for pair in &published[1..] {
            assert!(again.assignments.contains(pair), "{pair:?} moved");
        }
        assert!(!again.assignments.contains(&(t0, p0)));
        let report = Roster::with(&facts, &again.assignments).report();
        assert_eq!(report.hard.coverage_short, 0, "{report:?}");
        assert_eq!(report.hard.unavailable_minutes, 0);
    }

    #[test]
    fn an_uncoverable_instance_still_returns_its_best_roster() {
        let text = r#"{"format": "roster-instance/1", "timezone": "UTC",
            "horizon": {"start": "2024-01-01", "days": 1},
            "participants": [{"id": "a", "skills": ["Nurse"]}, {"id": "b", "skills": []}],
            "targets": [{"id": "t", "start": "2024-01-01T06:00:00Z", "end": "2024-01-01T14:00:00Z",
                         "location": "Ward", "required_count": 3, "required_skills": ["Nurse"]}]}"#;
        let facts = Facts::new(&parse_instance(text).unwrap());
        let outcome = solve(&facts, &options(1, Vec::new()));
        assert_eq!(outcome.assignments, [(0, 0)]);
        let report = Roster::with(&facts, &outcome.assignments).report();
        assert_eq!(report.hard.coverage_short, 2);
        assert_eq!(report.hard.skill, 0);
    }

    #[test]
    fn search_improves_on_the_construction() {
        let facts = Facts::new(&generate::instance(SMALL, 6));
        let built = solve(
            &facts,
            &Options {
                time_limit: Duration::ZERO,
                ..options(1, Vec::new())
            },
        );
        let searched = solve(&facts, &options(1, Vec::new()));
        let cost = |o: &Outcome| Roster::with(&facts, &o.assignments).cost();
        assert!(cost(&searched).better_than(&cost(&built)));
    }
}
