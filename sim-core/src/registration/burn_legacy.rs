//! The legacy interval rule, dTAO launch to 2026-04-21 (spec 4.2, read at `7a727dd4d`).
//!
//! Every `AdjustmentInterval` blocks the chain compares the interval's registrations with
//! `TargetRegistrationsPerInterval` and scales the burn or the PoW difficulty (or both) by
//! `(regs + target) / (2 · target)`, smoothed by `AdjustmentAlpha`. Registrations are rate
//! limited per block and per interval. Mirrors `coinbase/block_step.rs`:
//! `adjust_registration_terms_for_networks`, `upgraded_burn`, `upgraded_difficulty`, and the
//! admission checks of `do_burned_registration` / `do_registration`.

use super::BurnBounds;
use crate::units::{BlockNumber, Tao};
use substrate_fixed::types::U110F18;

/// `MinDifficulty` / initial `Difficulty` default: 1e7.
pub const DEFAULT_MIN_DIFFICULTY: u64 = 10_000_000;
/// `MaxDifficulty` default: `u64::MAX / 4`.
pub const DEFAULT_MAX_DIFFICULTY: u64 = u64::MAX / 4;

/// One subnet's parameters of the interval rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IntervalConfig {
    /// `AdjustmentInterval` in blocks (default 100).
    pub adjustment_interval: u16,
    /// `TargetRegistrationsPerInterval` (default 2); at most 3x this many per interval.
    pub target_registrations_per_interval: u16,
    /// `AdjustmentAlpha` as u64 / u64::MAX: the weight kept on the old value (default 0).
    pub adjustment_alpha: u64,
    /// `MinBurn` / `MaxBurn`.
    pub burn_bounds: BurnBounds,
    /// `MinDifficulty`.
    pub min_difficulty: u64,
    /// `MaxDifficulty`.
    pub max_difficulty: u64,
    /// `MaxRegistrationsPerBlock` (default 1).
    pub max_registrations_per_block: u16,
}

/// `AdjustmentAlpha` written for new subnets by `init_new_network` (launch to 2026-04): 0.97.
pub const NEW_SUBNET_ADJUSTMENT_ALPHA: u64 = 17_893_341_751_498_265_066;

impl IntervalConfig {
    /// What `init_new_network` wrote for a new subnet while this rule was live (read at
    /// `e2b8367b8` and `7a727dd4d`): interval 360, target 1, `AdjustmentAlpha` 0.97, and both
    /// difficulty bounds at `u64::MAX` (so PoW difficulty jumps to the maximum at its first
    /// adjustment). The rest are the runtime defaults; the launch code also set `MinBurn` to
    /// 1 rao until 2025-03-26 (`9179e14ac`), which is not modelled.
    pub fn new_subnet() -> Self {
        Self {
            adjustment_interval: 360,
            target_registrations_per_interval: 1,
            adjustment_alpha: NEW_SUBNET_ADJUSTMENT_ALPHA,
            min_difficulty: u64::MAX,
            max_difficulty: u64::MAX,
            ..Self::default()
        }
    }
}

/// The runtime's storage defaults (`SubtensorInitial*`), which subnets created before the dTAO
/// launch keep.
impl Default for IntervalConfig {
    fn default() -> Self {
        Self {
            adjustment_interval: 100,
            target_registrations_per_interval: 2,
            adjustment_alpha: 0,
            burn_bounds: BurnBounds::default(),
            min_difficulty: DEFAULT_MIN_DIFFICULTY,
            max_difficulty: DEFAULT_MAX_DIFFICULTY,
            max_registrations_per_block: 1,
        }
    }
}

/// The interval's registration counters (`RegistrationsThisInterval`,
/// `POWRegistrationsThisInterval`, `BurnRegistrationsThisInterval`) and `LastAdjustmentBlock`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IntervalCounters {
    pub last_adjustment_block: BlockNumber,
    pub registrations: u16,
    pub pow_registrations: u16,
    pub burn_registrations: u16,
}

/// Which of the chain's six adjustment cases applied (the letters of `block_step.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdjustmentCase {
    /// Above target, mostly PoW: difficulty up.
    A,
    /// Above target, mostly burned: burn up.
    B,
    /// At or below target, mostly PoW: burn down.
    C,
    /// At or below target, mostly burned: difficulty down (the burn does not move).
    D,
    /// At or below target, as many PoW as burned (0/0 included): both down.
    E,
    /// Above target, as many PoW as burned: both up.
    F,
}

impl AdjustmentCase {
    /// Whether the case moves the burn, and whether it moves the difficulty.
    pub const fn moves(self) -> (bool, bool) {
        match self {
            AdjustmentCase::A | AdjustmentCase::D => (false, true),
            AdjustmentCase::B | AdjustmentCase::C => (true, false),
            AdjustmentCase::E | AdjustmentCase::F => (true, true),
        }
    }

    /// The case for an interval's counts (step 5 of `adjust_registration_terms_for_networks`).
    pub fn classify(counters: &IntervalCounters, target: u16) -> Self {
        use std::cmp::Ordering::*;
        let over = counters.registrations > target;
        match (
            over,
            counters.pow_registrations.cmp(&counters.burn_registrations),
        ) {
            (true, Greater) => AdjustmentCase::A,
            (true, Less) => AdjustmentCase::B,
            (true, Equal) => AdjustmentCase::F,
            (false, Greater) => AdjustmentCase::C,
            (false, Less) => AdjustmentCase::D,
            (false, Equal) => AdjustmentCase::E,
        }
    }
}

/// The adjusted burn or difficulty (`upgraded_burn` / `upgraded_difficulty`, same formula):
/// `α·x + (1−α)·x·(regs + target)/(2·target)` in U110F18, then clamped with the upper bound
/// tested first (`≥ max → max`, `≤ min → min`) and truncated to u64.
///
/// The u16 sums saturate and a zero target divides to 0 (`safe_div`), as on chain.
pub fn upgraded_value(
    current: u64,
    registrations: u16,
    target: u16,
    adjustment_alpha: u64,
    min: u64,
    max: u64,
) -> u64 {
    let fx = U110F18::saturating_from_num;
    let current_fx = fx(current);
    let scaled = current_fx
        .saturating_mul(fx(u64::from(registrations.saturating_add(target))))
        .checked_div(fx(u64::from(target.saturating_add(target))))
        .unwrap_or(U110F18::from_num(0));
    let alpha = fx(adjustment_alpha)
        .checked_div(fx(u64::MAX))
        .unwrap_or(U110F18::from_num(0));
    let next = alpha.saturating_mul(current_fx).saturating_add(
        U110F18::from_num(1)
            .saturating_sub(alpha)
            .saturating_mul(scaled),
    );
    if next >= fx(max) {
        max
    } else if next <= fx(min) {
        min
    } else {
        next.saturating_to_num::<u64>()
    }
}

/// What the block-start adjustment changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Adjustment {
    pub case: AdjustmentCase,
    pub burn: Tao,
    pub difficulty: u64,
}

/// The interval adjustment at the start of `block`, if the interval has elapsed
/// (`block − LastAdjustmentBlock ≥ AdjustmentInterval`): picks the case, moves the burn and/or
/// difficulty, and drains the interval counters. `None` when the interval is still running.
/// (The per-block counter reset that the chain does in the same loop is the caller's.)
pub fn adjust_for_interval(
    burn: Tao,
    difficulty: u64,
    counters: &mut IntervalCounters,
    config: &IntervalConfig,
    block: BlockNumber,
) -> Option<Adjustment> {
    let elapsed = block.saturating_sub(counters.last_adjustment_block);
    if elapsed < u64::from(config.adjustment_interval) {
        return None;
    }
    let target = config.target_registrations_per_interval;
    let case = AdjustmentCase::classify(counters, target);
    let (moves_burn, moves_difficulty) = case.moves();
    let upgrade = |current: u64, min: u64, max: u64| {
        upgraded_value(
            current,
            counters.registrations,
            target,
            config.adjustment_alpha,
            min,
            max,
        )
    };
    let new_burn = if moves_burn {
        let bounds = config.burn_bounds;
        Tao(upgrade(burn.rao(), bounds.min.rao(), bounds.max.rao()))
    } else {
        burn
    };
    let new_difficulty = if moves_difficulty {
        upgrade(difficulty, config.min_difficulty, config.max_difficulty)
    } else {
        difficulty
    };
    *counters = IntervalCounters {
        last_adjustment_block: block,
        ..IntervalCounters::default()
    };
    Some(Adjustment {
        case,
        burn: new_burn,
        difficulty: new_difficulty,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ratio_moves_the_value() {
        let (min, max) = (1, u64::MAX);
        // 6 registrations against a target of 2: x (6+2)/4 = x2.
        assert_eq!(upgraded_value(1_000, 6, 2, 0, min, max), 2_000);
        // None: x 2/4.
        assert_eq!(upgraded_value(1_000, 0, 2, 0, min, max), 500);
        // alpha = 1 keeps the old value.
        assert_eq!(upgraded_value(1_000, 6, 2, u64::MAX, min, max), 1_000);
        // A zero target divides to 0, which the lower bound catches.
        assert_eq!(upgraded_value(1_000, 6, 0, 0, 7, max), 7);
        assert_eq!(upgraded_value(1_000, 6, 2, 0, min, 1_500), 1_500);
    }

    #[test]
    fn cases_follow_the_chains_letters() {
        let c = |registrations, pow_registrations, burn_registrations| {
            let counters = IntervalCounters {
                registrations,
                pow_registrations,
                burn_registrations,
                ..Default::default()
            };
            AdjustmentCase::classify(&counters, 2)
        };
        assert_eq!(c(3, 2, 1), AdjustmentCase::A);
        assert_eq!(c(3, 1, 2), AdjustmentCase::B);
        assert_eq!(c(2, 2, 0), AdjustmentCase::C);
        assert_eq!(c(2, 0, 2), AdjustmentCase::D);
        assert_eq!(c(0, 0, 0), AdjustmentCase::E);
        assert_eq!(c(4, 2, 2), AdjustmentCase::F);
    }
}
