//! Sign-in throttling that cannot be turned against the people it protects. Guesses are
//! counted per (account, client address) and per client address, never per account alone:
//! someone guessing at a colleague's password slows down only themselves, and the right
//! password from a client that has not been guessing is always accepted. Past a few free
//! attempts each further one waits twice as long as the last (1 s, 2 s, 4 s… up to a cap),
//! as identity servers do, instead of a hard lockout.

/// How one key is throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Attempts allowed back to back before delays start.
    pub free: i64,
    /// Delay after the first attempt past the free ones, ms; it doubles with each further one.
    pub first_delay_ms: i64,
    /// Longest delay between two attempts, ms.
    pub max_delay_ms: i64,
    /// Attempts older than this (since the last one) are forgotten, ms.
    pub window_ms: i64,
}

/// What the store keeps per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub attempts: i64,
    pub next_allowed_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Refused: the key must wait this many more milliseconds.
    Wait(i64),
    /// Allowed: the counter to store (compare-and-set against the one read).
    Go(Counter),
}

/// The delay that follows attempt number `attempts`.
pub fn delay_after(rule: &Rule, attempts: i64) -> i64 {
    if attempts < rule.free {
        return 0;
    }
    let doublings = (attempts - rule.free).clamp(0, 30) as u32;
    rule.first_delay_ms
        .saturating_mul(1i64 << doublings)
        .min(rule.max_delay_ms)
}

/// Decides on one more attempt at `now`, given the key's counter (if any).
pub fn decide(rule: &Rule, current: Option<Counter>, now: i64) -> Decision {
    let current = current.filter(|c| now - c.updated_at < rule.window_ms);
    if let Some(c) = current
        && now < c.next_allowed_at
    {
        return Decision::Wait(c.next_allowed_at - now);
    }
    let attempts = current.map_or(0, |c| c.attempts) + 1;
    Decision::Go(Counter {
        attempts,
        next_allowed_at: now + delay_after(rule, attempts),
        updated_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: Rule = Rule {
        free: 5,
        first_delay_ms: 1000,
        max_delay_ms: 15 * 60 * 1000,
        window_ms: 60 * 60 * 1000,
    };

    #[test]
    fn free_attempts_then_doubling_delays_up_to_the_cap() {
        let mut c = None;
        let mut now = 0;
        for expected in 1..=4 {
            match decide(&RULE, c, now) {
                Decision::Go(n) => {
                    assert_eq!(n.attempts, expected);
                    assert_eq!(n.next_allowed_at, now);
                    c = Some(n);
                }
                d => panic!("attempt {expected}: {d:?}"),
            }
        }
        let Decision::Go(fifth) = decide(&RULE, c, now) else {
            panic!("fifth attempt refused")
        };
        assert_eq!(fifth.next_allowed_at, now + 1000);
        c = Some(fifth);
        assert_eq!(decide(&RULE, c, now + 999), Decision::Wait(1));
        now += 1000;
        let Decision::Go(sixth) = decide(&RULE, c, now) else {
            panic!("sixth attempt refused after its delay")
        };
        assert_eq!(sixth.next_allowed_at - now, 2000);
        assert_eq!(delay_after(&RULE, 40), RULE.max_delay_ms);
    }

    #[test]
    fn old_attempts_are_forgotten() {
        let c = Counter {
            attempts: 30,
            next_allowed_at: 10_000_000,
            updated_at: 0,
        };
        assert!(matches!(decide(&RULE, Some(c), 5_000), Decision::Wait(_)));
        let Decision::Go(n) = decide(&RULE, Some(c), RULE.window_ms) else {
            panic!("a forgotten key is refused")
        };
        assert_eq!(n.attempts, 1);
    }
}
