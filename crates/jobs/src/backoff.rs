//! How long a failed job waits before its next try.

use std::time::Duration;

/// Exponential backoff with jitter: the `n`th retry waits a random time between half and
/// all of `min(max, base × 2^(n-1))`. The jitter spreads out jobs that failed together (a
/// receiver that was down) so they do not all come back at the same instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            max: Duration::from_secs(6 * 60 * 60),
        }
    }
}

impl Backoff {
    /// The longest wait after failed attempt `attempt` (1 for the first).
    pub fn ceiling(&self, attempt: i32) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(40);
        self.base
            .checked_mul(1u32 << doublings.min(31))
            .map_or(self.max, |d| d.min(self.max))
    }

    /// The wait after failed attempt `attempt`, with jitter.
    pub fn delay(&self, attempt: i32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let half = ceiling / 2;
        let spread = u64::try_from((ceiling - half).as_millis()).unwrap_or(u64::MAX);
        let extra = if spread == 0 {
            0
        } else {
            rand::random::<u64>() % (spread + 1)
        };
        half + Duration::from_millis(extra)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn delay_stays_between_half_and_all_of_the_ceiling(
            base_ms in 1u64..100_000,
            max_ms in 1u64..100_000_000,
            attempt in -5i32..100,
        ) {
            let backoff = Backoff {
                base: Duration::from_millis(base_ms),
                max: Duration::from_millis(max_ms),
            };
            let ceiling = backoff.ceiling(attempt);
            let delay = backoff.delay(attempt);
            prop_assert!(ceiling <= backoff.max);
            prop_assert!(delay <= ceiling);
            prop_assert!(delay >= ceiling / 2);
        }

        #[test]
        fn ceiling_never_shrinks_as_attempts_grow(base_ms in 1u64..10_000, attempt in 1i32..60) {
            let backoff = Backoff { base: Duration::from_millis(base_ms), max: Duration::from_secs(86_400) };
            prop_assert!(backoff.ceiling(attempt) <= backoff.ceiling(attempt + 1));
        }
    }

    #[test]
    fn ceiling_doubles_from_the_base() {
        let backoff = Backoff {
            base: Duration::from_secs(1),
            max: Duration::from_secs(10),
        };
        let got: Vec<u64> = (1..=6).map(|a| backoff.ceiling(a).as_secs()).collect();
        assert_eq!(got, [1, 2, 4, 8, 10, 10]);
    }
}
