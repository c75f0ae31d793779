//! Choosing the round-robin hosts of a booking among those free at its start: pure functions
//! over the hosts' settings and records, so the strategies can be simulated over thousands of
//! bookings without a database.
//!
//! Every strategy narrows the free hosts to the best by its own measure; when several remain,
//! a seeded random choice decides, so the same facts and seed always give the same host.

use domain::ids::{Timestamp, UserId};
use domain::team_event_types::{HostRecord, Strategy};

/// A pool host as the strategies see it.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub user_id: UserId,
    /// Place in the rotation order.
    pub position: usize,
    pub weight: i32,
    pub priority: i32,
    /// Bookings the weighted strategy counts before the real ones.
    pub starting_count: f64,
    pub record: HostRecord,
    /// Free at the start being booked.
    pub free: bool,
}

/// A chosen host and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub user_id: UserId,
    pub reason: String,
}

/// How a strategy is tuned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    pub strategy: Strategy,
    /// `equal_distribution`: how far ahead of the least-booked free host a booking may put a
    /// host (at least 1).
    pub max_lead: i64,
}

/// Chooses `count` distinct free hosts, one after another: each choice counts as a booking
/// made at `now` for the next. Fewer come back when fewer are free.
pub fn choose(
    rules: Rules,
    candidates: &[Candidate],
    count: usize,
    seed: u64,
    now: Timestamp,
) -> Vec<Choice> {
    let mut pool = candidates.to_vec();
    let mut random = SplitMix(seed);
    let mut chosen = Vec::with_capacity(count);
    for _ in 0..count {
        let Some((index, reason)) = choose_one(rules, &pool, &mut random) else {
            break;
        };
        let host = &mut pool[index];
        chosen.push(Choice {
            user_id: host.user_id,
            reason,
        });
        host.free = false;
        host.record.bookings += 1;
        host.record.last_booked_at = Some(now);
    }
    chosen
}

/// The index of the host `rules` picks among the free ones, and the reason.
fn choose_one(rules: Rules, pool: &[Candidate], random: &mut SplitMix) -> Option<(usize, String)> {
    let free: Vec<usize> = (0..pool.len()).filter(|&i| pool[i].free).collect();
    if free.is_empty() {
        return None;
    }
    let (best, why) = match rules.strategy {
        Strategy::LeastRecent => {
            let best = least_recent(pool, &free);
            let why = format!("least_recent: last booked {}", last_booked(&pool[best[0]]));
            (best, why)
        }
        Strategy::Rotate => {
            let (next, after) = next_in_rotation(pool, &free);
            let why = match after {
                Some(last) => format!("rotate: next in order after {}", pool[last].user_id),
                None => "rotate: first in order".to_owned(),
            };
            (vec![next], why)
        }
        Strategy::Priority => {
            let top = free.iter().map(|&i| pool[i].priority).max().unwrap_or(0);
            let highest: Vec<usize> = free
                .iter()
                .copied()
                .filter(|&i| pool[i].priority == top)
                .collect();
            let best = least_recent(pool, &highest);
            let why = format!(
                "priority: highest free priority {top}, last booked {}",
                last_booked(&pool[best[0]])
            );
            (best, why)
        }
        Strategy::Weighted => {
            let load = |i: usize| {
                let h = &pool[i];
                (h.record.bookings as f64 + h.starting_count) / f64::from(h.weight.max(1))
            };
            let lowest = free.iter().map(|&i| load(i)).fold(f64::INFINITY, f64::min);
            let best: Vec<usize> = free
                .iter()
                .copied()
                .filter(|&i| load(i) - lowest < 1e-9)
                .collect();
            let why = format!("weighted: {lowest:.3} bookings per unit of weight, the lowest");
            (best, why)
        }
        Strategy::EqualDistribution => {
            let least = free
                .iter()
                .map(|&i| pool[i].record.bookings)
                .min()
                .unwrap_or(0);
            // One more booking may put a host at most `max_lead` ahead of the least booked.
            let eligible: Vec<usize> = free
                .iter()
                .copied()
                .filter(|&i| pool[i].record.bookings + 1 - least <= rules.max_lead.max(1))
                .collect();
            let best = least_recent(pool, &eligible);
            let why = format!(
                "equal_distribution: {} bookings (the least-booked free host has {least}), last booked {}",
                pool[best[0]].record.bookings,
                last_booked(&pool[best[0]])
            );
            (best, why)
        }
    };
    if best.len() == 1 {
        return Some((best[0], why));
    }
    let pick = best[random.below(best.len())];
    Some((
        pick,
        format!(
            "{why}; a tie of {} broken by seeded random choice",
            best.len()
        ),
    ))
}

/// The hosts among `among` booked least recently (never booked first); never empty when
/// `among` is not.
fn least_recent(pool: &[Candidate], among: &[usize]) -> Vec<usize> {
    let oldest = among.iter().map(|&i| pool[i].record.last_booked_at).min();
    among
        .iter()
        .copied()
        .filter(|&i| Some(pool[i].record.last_booked_at) == oldest)
        .collect()
}

/// The first free host in rotation order after the host booked last (by position, wrapping
/// around), and that last host.
fn next_in_rotation(pool: &[Candidate], free: &[usize]) -> (usize, Option<usize>) {
    let last = (0..pool.len())
        .filter(|&i| pool[i].record.last_booked_at.is_some())
        .max_by_key(|&i| (pool[i].record.last_booked_at, pool[i].position));
    let after = last.map_or(0, |i| pool[i].position + 1);
    let next = free
        .iter()
        .copied()
        .min_by_key(|&i| {
            let p = pool[i].position;
            // Positions from `after` onwards come first, then those before it.
            if p >= after { (0, p) } else { (1, p) }
        })
        .unwrap_or(free[0]);
    (next, last)
}

fn last_booked(host: &Candidate) -> String {
    host.record
        .last_booked_at
        .map_or_else(|| "never".to_owned(), |t| t.to_jiff().to_string())
}

/// A small, fixed pseudo-random sequence (SplitMix64): the same seed gives the same choices
/// on every platform and version.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A seed from the things that make one booking decision: the same event type, start and
/// number of earlier bookings give the same seed (FNV-1a over their bytes).
pub fn seed_for(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use domain::ids::Uuid;
    use domain::team_event_types::Strategy;
    use proptest::prelude::{ProptestConfig, any, prop, prop_assert, prop_assert_eq, proptest};

    fn host(n: u128) -> Candidate {
        Candidate {
            user_id: UserId(Uuid::from_u128(n)),
            position: n as usize,
            weight: 1,
            priority: 0,
            starting_count: 0.0,
            record: HostRecord::default(),
            free: true,
        }
    }

    fn at(minute: i64) -> Timestamp {
        Timestamp::from(jiff::Timestamp::from_second(1_800_000_000 + minute * 60).unwrap())
    }

    fn rules(strategy: Strategy) -> Rules {
        Rules {
            strategy,
            max_lead: 1,
        }
    }

    /// Books `bookings` times with every host free, applying each choice; returns the order.
    fn simulate(rules: Rules, hosts: &mut [Candidate], bookings: usize, seed: u64) -> Vec<usize> {
        let mut order = Vec::new();
        for n in 0..bookings {
            let now = at(n as i64);
            let chosen = choose(rules, hosts, 1, seed.wrapping_add(n as u64), now);
            let index = hosts
                .iter()
                .position(|h| h.user_id == chosen[0].user_id)
                .unwrap();
            hosts[index].record.bookings += 1;
            hosts[index].record.last_booked_at = Some(now);
            order.push(index);
        }
        order
    }

    #[test]
    fn least_recent_picks_the_host_booked_longest_ago() {
        let mut hosts = vec![host(0), host(1), host(2)];
        hosts[0].record.last_booked_at = Some(at(30));
        hosts[1].record.last_booked_at = Some(at(10));
        hosts[2].record.last_booked_at = Some(at(20));
        let chosen = choose(rules(Strategy::LeastRecent), &hosts, 1, 7, at(40));
        assert_eq!(chosen[0].user_id, hosts[1].user_id);
        assert!(chosen[0].reason.starts_with("least_recent"), "{chosen:?}");
    }

    #[test]
    fn least_recent_prefers_a_host_never_booked() {
        let mut hosts = vec![host(0), host(1)];
        hosts[0].record.last_booked_at = Some(at(1));
        let chosen = choose(rules(Strategy::LeastRecent), &hosts, 1, 7, at(2));
        assert_eq!(chosen[0].user_id, hosts[1].user_id);
        assert!(chosen[0].reason.contains("never"));
    }

    #[test]
    fn least_recent_skips_busy_hosts() {
        let mut hosts = vec![host(0), host(1), host(2)];
        hosts[0].free = false;
        hosts[1].record.last_booked_at = Some(at(5));
        hosts[2].record.last_booked_at = Some(at(3));
        let chosen = choose(rules(Strategy::LeastRecent), &hosts, 1, 7, at(9));
        assert_eq!(chosen[0].user_id, hosts[2].user_id);
    }

    #[test]
    fn priority_goes_first_then_least_recent() {
        let mut hosts = vec![host(0), host(1), host(2)];
        hosts[0].priority = 1;
        hosts[1].priority = 3;
        hosts[2].priority = 3;
        hosts[1].record.last_booked_at = Some(at(9));
        hosts[2].record.last_booked_at = Some(at(4));
        let chosen = choose(rules(Strategy::Priority), &hosts, 1, 7, at(10));
        assert_eq!(chosen[0].user_id, hosts[2].user_id);
        hosts[2].free = false;
        let chosen = choose(rules(Strategy::Priority), &hosts, 1, 7, at(10));
        assert_eq!(chosen[0].user_id, hosts[1].user_id);
    }

    #[test]
    fn ties_are_the_same_for_the_same_seed_and_spread_over_seeds() {
        let hosts = vec![host(0), host(1), host(2), host(3)];
        let pick = |seed| choose(rules(Strategy::LeastRecent), &hosts, 1, seed, at(0));
        assert_eq!(pick(42), pick(42));
        assert!(pick(42)[0].reason.contains("a tie of 4"));
        let distinct: std::collections::HashSet<UserId> =
            (0..64).map(|s| pick(s)[0].user_id).collect();
        assert_eq!(distinct.len(), 4, "every tied host can win");
    }

    #[test]
    fn several_hosts_per_booking_are_distinct() {
        let hosts = vec![host(0), host(1), host(2)];
        let chosen = choose(rules(Strategy::Rotate), &hosts, 2, 1, at(0));
        assert_eq!(
            chosen.iter().map(|c| c.user_id).collect::<Vec<_>>(),
            vec![hosts[0].user_id, hosts[1].user_id]
        );
        let chosen = choose(rules(Strategy::Rotate), &hosts, 5, 1, at(0));
        assert_eq!(chosen.len(), 3, "no more than are free");
    }

    #[test]
    fn a_weighted_newcomer_starting_at_the_average_is_not_flooded() {
        // Two hosts with 100 bookings each; a newcomer who started at the average (100) gets
        // a third of the next bookings, not all of them.
        let mut hosts = vec![host(0), host(1), host(2)];
        hosts[0].record.bookings = 100;
        hosts[1].record.bookings = 100;
        hosts[2].starting_count = 100.0;
        let order = simulate(rules(Strategy::Weighted), &mut hosts, 30, 3);
        let newcomer = order.iter().filter(|&&i| i == 2).count();
        assert_eq!(newcomer, 10, "{order:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn weighted_shares_stay_within_two_percent_of_the_weights(
            weights in prop::collection::vec(1i32..=10, 2..=6),
            seed in any::<u64>(),
        ) {
            let mut hosts: Vec<Candidate> = (0..weights.len())
                .map(|i| Candidate { weight: weights[i], ..host(i as u128) })
                .collect();
            simulate(rules(Strategy::Weighted), &mut hosts, 1000, seed);
            let total: i32 = weights.iter().sum();
            for h in &hosts {
                let share = h.record.bookings as f64 / 1000.0;
                let target = f64::from(h.weight) / f64::from(total);
                prop_assert!((share - target).abs() <= 0.02, "share {share} vs {target}");
            }
        }

        #[test]
        fn rotation_visits_every_host_in_order(
            hosts in 2usize..=8,
            seed in any::<u64>(),
        ) {
            let mut pool: Vec<Candidate> = (0..hosts).map(|i| host(i as u128)).collect();
            let order = simulate(rules(Strategy::Rotate), &mut pool, 1000, seed);
            for (n, index) in order.iter().enumerate() {
                prop_assert_eq!(*index, n % hosts);
            }
        }

        #[test]
        fn rotation_skips_busy_hosts_and_keeps_its_order(
            hosts in 3usize..=8,
            busy in prop::collection::vec(any::<prop::sample::Index>(), 1000),
        ) {
            let mut pool: Vec<Candidate> = (0..hosts).map(|i| host(i as u128)).collect();
            let mut last: Option<usize> = None;
            for (n, busy) in busy.iter().enumerate() {
                let unavailable = busy.index(hosts);
                for (i, h) in pool.iter_mut().enumerate() {
                    h.free = i != unavailable;
                }
                let now = at(n as i64);
                let chosen = choose(rules(Strategy::Rotate), &pool, 1, 0, now);
                let index = pool.iter().position(|h| h.user_id == chosen[0].user_id).unwrap();
                // The next free position after the last one, wrapping around.
                let mut expected = last.map_or(0, |l| (l + 1) % hosts);
                if expected == unavailable {
                    expected = (expected + 1) % hosts;
                }
                prop_assert_eq!(index, expected);
                pool[index].record.bookings += 1;
                pool[index].record.last_booked_at = Some(now);
                last = Some(index);
            }
        }

        #[test]
        fn equal_distribution_never_lets_a_host_get_more_than_n_ahead(
            hosts in 2usize..=6,
            max_lead in 1i64..=3,
            free in prop::collection::vec(prop::collection::vec(any::<bool>(), 6), 1000),
            seed in any::<u64>(),
        ) {
            let rules = Rules { strategy: Strategy::EqualDistribution, max_lead };
            let mut pool: Vec<Candidate> = (0..hosts).map(|i| host(i as u128)).collect();
            for (n, free) in free.iter().enumerate() {
                for (i, h) in pool.iter_mut().enumerate() {
                    h.free = free[i];
                }
                if pool.iter().all(|h| !h.free) {
                    pool[n % hosts].free = true;
                }
                let least_free = pool.iter().filter(|h| h.free).map(|h| h.record.bookings).min().unwrap();
                let now = at(n as i64);
                let chosen = choose(rules, &pool, 1, seed ^ n as u64, now);
                let index = pool.iter().position(|h| h.user_id == chosen[0].user_id).unwrap();
                pool[index].record.bookings += 1;
                pool[index].record.last_booked_at = Some(now);
                prop_assert!(pool[index].record.bookings - least_free <= max_lead);
            }
            // With every host free, the spread itself stays within N.
            for h in pool.iter_mut() {
                h.free = true;
                h.record = HostRecord::default();
            }
            for n in 0..1000 {
                let now = at(n);
                let chosen = choose(rules, &pool, 1, seed ^ n as u64, now);
                let index = pool.iter().position(|h| h.user_id == chosen[0].user_id).unwrap();
                pool[index].record.bookings += 1;
                pool[index].record.last_booked_at = Some(now);
                let most = pool.iter().map(|h| h.record.bookings).max().unwrap();
                let least = pool.iter().map(|h| h.record.bookings).min().unwrap();
                prop_assert!(most - least <= max_lead);
            }
        }

        #[test]
        fn the_chosen_host_is_always_free(
            free in prop::collection::vec(any::<bool>(), 1..=8),
            strategy in prop::sample::select(Strategy::ALL.to_vec()),
            seed in any::<u64>(),
        ) {
            let pool: Vec<Candidate> = free
                .iter()
                .enumerate()
                .map(|(i, &free)| Candidate { free, ..host(i as u128) })
                .collect();
            let chosen = choose(rules(strategy), &pool, 1, seed, at(0));
            prop_assert_eq!(chosen.len(), usize::from(free.iter().any(|&f| f)));
            for c in chosen {
                prop_assert!(pool.iter().any(|h| h.user_id == c.user_id && h.free));
            }
        }
    }
}
