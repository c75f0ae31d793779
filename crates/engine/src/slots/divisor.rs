//! Division by a number fixed for one computation (the slot interval, the grid), through one
//! multiplication instead of a hardware divide in the loops over free intervals and runs.

/// `n / d` for a fixed `d >= 1`, exact for every `n < 2^64 / d`: with `m = ⌊(2^64 - 1) / d⌋ + 1`,
/// `n·m / 2^64` exceeds `n / d` by less than `n / 2^64 < 1 / d`, too little to reach the next
/// integer.
#[derive(Clone, Copy, Debug)]
pub(super) struct Divisor {
    divisor: u64,
    multiplier: u64,
}

impl Divisor {
    pub(super) fn new(divisor: u64) -> Divisor {
        let divisor = divisor.max(1);
        Divisor {
            divisor,
            multiplier: (u64::MAX / divisor).wrapping_add(1),
        }
    }

    pub(super) fn divide(self, n: u64) -> u64 {
        if self.divisor == 1 {
            return n;
        }
        ((u128::from(n) * u128::from(self.multiplier)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_for_grids_and_intervals_over_centuries_of_seconds() {
        let divisors = [1, 2, 5, 7, 15, 60, 64, 300, 900, 3600, 86_399, 86_400];
        let edges = |d: u64| {
            (0..4_000)
                .map(move |k| k * d)
                .flat_map(move |n| [n, n + d - 1])
        };
        for d in divisors {
            let divisor = Divisor::new(d);
            let far = (1u64 << 40) / d * d;
            for n in (0..100_000).chain(edges(d)).chain(far - 3 * d..far + 3 * d) {
                assert_eq!(divisor.divide(n), n / d, "{n} / {d}");
            }
        }
    }
}
