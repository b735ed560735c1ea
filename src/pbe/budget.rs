//! Bounds on key derivation: fixed per-derivation limits on the parameters a file chooses,
//! and a per-command budget of work across all derivations.
//!
//! Work is counted in deterministic **units**, not timed: one unit is one 64-byte hash
//! compression (SHA-1, SHA-256, MD5; a 128-byte SHA-384/512 block counts two) or one
//! 64-byte Salsa20/8 core of scrypt. Each KDF's cost is computed from its parameters,
//! including the password's length where the algorithm re-hashes it on every iteration
//! (Sun's PBEWithMD5AndTripleDES, PBKDF1, the RFC 7292 KDF), before it runs.
//!
//! The budget belongs to a command: the binary starts it ([`start`]) on the thread that runs
//! its one command. Library callers get the per-derivation bounds always, and a budget when
//! they start one (tests do, per test thread). Only decryption and integrity checks are
//! charged: their parameters come from the file; encryption uses keychest's own.

use std::cell::{Cell, RefCell};

use super::PbeError;

/// Environment variable overriding the budget, in work units.
pub const ENV: &str = "KEYCHEST_KDF_BUDGET";
/// Default budget: about 5 s of key derivation on the reference machine (2 shared cores,
/// 250–450 ns per unit for PBKDF2, the RFC 7292 KDF and Sun's MD5 derivation: see
/// docs/reliability.md). Enough for ~1,800 keys under OpenSSL's default PBKDF2 (2048
/// iterations), ~35 JCEKS keys (200,000 iterations), in one command.
pub const DEFAULT_BUDGET: u64 = 15_000_000;
/// Most iterations any one derivation may ask for (PBKDF1, PBKDF2, RFC 7292 KDF, MAC).
pub const MAX_ITERATIONS: u64 = 10_000_000;
/// Most iterations the JDK accepts for PBEWithMD5AndTripleDES (and so do we).
pub const MAX_SUN_ITERATIONS: u64 = 5_000_000;
/// Most memory one scrypt derivation may take: 128 · N · r · p bytes.
pub const MAX_SCRYPT_MEMORY: u64 = 256 * 1024 * 1024;

/// `Ok(value)` if `1 <= value <= max`; an error naming `param` otherwise.
pub fn check(param: &str, value: u64, max: u64) -> Result<u64, PbeError> {
    if value == 0 {
        return Err(PbeError::Malformed(format!("{param} is 0")));
    }
    if value > max {
        return Err(PbeError::OverLimit {
            param: param.to_string(),
            value,
            limit: max,
        });
    }
    Ok(value)
}

/// This thread's budget: its total (or the unparsable setting) and what was spent.
struct State {
    total: Result<u64, String>,
    spent: u64,
}

thread_local! {
    static BUDGET: RefCell<Option<State>> = const { RefCell::new(None) };
    static UNMETERED: Cell<u32> = const { Cell::new(0) };
}

/// Starts this thread's command budget: `KEYCHEST_KDF_BUDGET` units, else
/// [`DEFAULT_BUDGET`]. The binary calls this once, before running its one command; a thread
/// that never does (a library caller) has per-derivation bounds but no budget. An
/// unparsable setting makes every derivation fail with [`PbeError::BadBudget`].
pub fn start() {
    let total = match std::env::var(ENV) {
        Err(_) => Ok(DEFAULT_BUDGET),
        Ok(v) => v.trim().replace('_', "").parse::<u64>().map_err(|_| v),
    };
    BUDGET.with(|b| *b.borrow_mut() = Some(State { total, spent: 0 }));
}

/// Starts this thread's budget with `total` units (tests, library callers).
pub fn start_with(total: u64) {
    BUDGET.with(|b| {
        *b.borrow_mut() = Some(State {
            total: Ok(total),
            spent: 0,
        })
    });
}

/// Runs `f` (an encryption with keychest's own parameters) without charging the budget.
pub(crate) fn unmetered<T>(f: impl FnOnce() -> T) -> T {
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            UNMETERED.with(|u| u.set(u.get() - 1));
        }
    }
    UNMETERED.with(|u| u.set(u.get() + 1));
    let _restore = Restore;
    f()
}

/// Charges `cost` units for `what` to this thread's budget, or refuses (charging nothing)
/// if that would exceed it. Call before the derivation runs.
pub fn charge(what: &str, cost: u64) -> Result<(), PbeError> {
    if UNMETERED.with(Cell::get) > 0 {
        return Ok(());
    }
    BUDGET.with(|b| {
        let mut b = b.borrow_mut();
        let Some(state) = b.as_mut() else {
            return Ok(());
        };
        let total = state.total.clone().map_err(PbeError::BadBudget)?;
        let left = total.saturating_sub(state.spent);
        if cost > left {
            return Err(PbeError::OverBudget {
                what: what.to_string(),
                cost,
                left,
                total,
            });
        }
        state.spent += cost;
        Ok(())
    })
}

/// Units this thread may still spend (`None`: no budget started).
pub fn left() -> Option<u64> {
    BUDGET.with(|b| {
        b.borrow()
            .as_ref()
            .and_then(|s| s.total.as_ref().ok().map(|t| t.saturating_sub(s.spent)))
    })
}

/// Units this thread has spent since its budget started.
pub fn spent() -> u64 {
    BUDGET.with(|b| b.borrow().as_ref().map_or(0, |s| s.spent))
}

/// Hash blocks needed to hash `len` bytes with a `block`-byte hash (Merkle–Damgård padding
/// adds at least 9 bytes for 64-byte blocks, 17 for 128-byte ones).
pub(crate) fn blocks(len: u64, block: u64) -> u64 {
    let pad = if block == 128 { 17 } else { 9 };
    (len + pad).div_ceil(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_the_parameter() {
        let p = "PBKDF2 iteration count";
        assert_eq!(check(p, 10, 10), Ok(10));
        let e = check(p, 11, 10).unwrap_err().to_string();
        assert_eq!(e, "PBKDF2 iteration count 11 is over the limit of 10");
        assert!(matches!(check(p, 0, 10), Err(PbeError::Malformed(_))));
    }

    #[test]
    fn the_budget_refuses_before_charging() {
        start_with(DEFAULT_BUDGET);
        let before = spent();
        charge("a test", 5).unwrap();
        assert_eq!(spent(), before + 5);
        let e = charge("a huge derivation", u64::MAX).unwrap_err();
        assert!(matches!(e, PbeError::OverBudget { .. }), "{e}");
        assert!(e.to_string().contains(ENV), "{e}");
        assert_eq!(spent(), before + 5);
        assert_eq!(left(), Some(DEFAULT_BUDGET - before - 5));
    }
}
