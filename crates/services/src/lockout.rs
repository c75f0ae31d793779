//! Sign-in protection, as rules: how long a client address backs off from an account, when
//! its count starts over, and when the account locks. [`crate::accounts`] applies them; the
//! counts themselves are kept by `store` (`login_throttle`, the user's failure count).

use domain::ids::Timestamp;

/// How sign-in protection is tuned. Two layers, so that an attacker cannot lock the owner
/// out yet guesses stay few:
/// - per typed account and client address: after `per_address_failures` failures that
///   address waits `backoff`, doubling with each further failure up to `max_backoff`; other
///   addresses, the owner's among them, are not slowed;
/// - per account, from every address: `account_failures` failures since the last sign-in
///   lock the account for `lock_for`. While locked, no password signs in and every answer
///   is the same, so guessing learns nothing; the owner gets a notice with an unlock link,
///   and the correct password mails a fresh one. The link (or a password reset) lifts the
///   lock, and the owner then signs in with the password.
#[derive(Clone, Copy, Debug)]
pub struct LockoutPolicy {
    pub per_address_failures: u32,
    pub backoff: jiff::SignedDuration,
    pub max_backoff: jiff::SignedDuration,
    pub account_failures: u32,
    pub lock_for: jiff::SignedDuration,
}

impl LockoutPolicy {
    /// How one client address backs off from one account.
    pub fn backoff(self) -> Backoff {
        Backoff {
            free: self.per_address_failures,
            first: self.backoff,
            max: self.max_backoff,
        }
    }

    /// A pair of account and address whose last failure is at or before this instant starts
    /// counting over: quiet for twice the longest backoff, so an owner's rare typos never add
    /// up.
    pub fn quiet_since(self, now: Timestamp) -> Timestamp {
        let quiet = self.max_backoff.checked_mul(2).unwrap_or(self.max_backoff);
        now.plus(-quiet)
    }

    /// Whether `failures` since the last sign-in, from every address, lock the account.
    pub fn locks(self, failures: u32) -> bool {
        failures >= self.account_failures
    }
}

/// How a pair of account and client address backs off: after `free` failures, each further
/// one waits `first`, doubling, up to `max`.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub free: u32,
    pub first: jiff::SignedDuration,
    pub max: jiff::SignedDuration,
}

impl Backoff {
    /// The wait after the `failures`-th failure in a row, if any.
    pub fn after(self, failures: u32) -> Option<jiff::SignedDuration> {
        let beyond = failures.checked_sub(self.free)?;
        let factor = 1_i32.checked_shl(beyond.min(30)).unwrap_or(i32::MAX);
        Some(
            self.first
                .checked_mul(factor)
                .unwrap_or(self.max)
                .min(self.max),
        )
    }
}

/// What a failed attempt did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginFailure {
    /// Set when this failure started the client address's backoff for the account.
    pub backoff_until: Option<Timestamp>,
    /// Set when this failure locked the account.
    pub locked_until: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> LockoutPolicy {
        LockoutPolicy {
            per_address_failures: 5,
            backoff: jiff::SignedDuration::from_mins(15),
            max_backoff: jiff::SignedDuration::from_hours(24),
            account_failures: 20,
            lock_for: jiff::SignedDuration::from_hours(24),
        }
    }

    #[test]
    fn backoff_doubles_after_the_free_tries_up_to_the_cap() {
        let b = policy().backoff();
        assert_eq!(b.after(4), None);
        assert_eq!(b.after(5), Some(jiff::SignedDuration::from_mins(15)));
        assert_eq!(b.after(6), Some(jiff::SignedDuration::from_mins(30)));
        assert_eq!(b.after(7), Some(jiff::SignedDuration::from_hours(1)));
        assert_eq!(b.after(40), Some(jiff::SignedDuration::from_hours(24)));
        assert_eq!(
            b.after(u32::MAX),
            Some(jiff::SignedDuration::from_hours(24))
        );
    }

    #[test]
    fn a_pair_starts_over_after_twice_the_longest_backoff() {
        let now = Timestamp::now();
        assert_eq!(
            policy().quiet_since(now),
            now.plus(-jiff::SignedDuration::from_hours(48))
        );
        // A cap too large to double is the quiet time itself.
        let huge = LockoutPolicy {
            max_backoff: jiff::SignedDuration::MAX,
            ..policy()
        };
        assert_eq!(huge.quiet_since(now), now.plus(-jiff::SignedDuration::MAX));
    }

    #[test]
    fn the_account_locks_at_its_failure_count() {
        assert!(!policy().locks(19));
        assert!(policy().locks(20));
        assert!(policy().locks(21));
    }
}
