//! One subnet's neuron registration price and counters, under whichever rule is in force.
//!
//! The chain keeps a single `Burn` per subnet across rule changes, so one state struct carries
//! the price, the legacy difficulty and all counters; [`NeuronBurn`] picks the mechanics. The
//! engine calls [`NeuronRegistration::on_block`] at the start of every block (before the
//! coinbase, as `on_initialize` does), then [`NeuronRegistration::admit`] for each attempt, does
//! the payment (swap and alpha recycle, or the pre-dTAO recycle) and the UID assignment, and
//! finally [`NeuronRegistration::record`]; [`NeuronRegistration::register`] does admit + record
//! for callers with nothing in between.

use super::burn::{bumped_burn, decayed_burn, DecayBumpConfig};
use super::burn_legacy::{adjust_for_interval, AdjustmentCase, IntervalConfig, IntervalCounters};
use super::{preserving_transfer, RegistrationError, DEFAULT_NEURON_BURN, LEGACY_INITIAL_BURN};
use crate::rules::{Era, NeuronBurn, Rules};
use crate::units::{BlockNumber, Tao};

/// How a neuron asks to register. Under [`NeuronBurn::DecayAndBump`] both pay the burn (the
/// chain's `register` ignores the work since PoW was removed); under the interval rules a PoW
/// registration pays nothing and is counted separately.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegistrationKind {
    Burned,
    Pow,
}

/// Both rules' parameters for one subnet (the current rule reads `decay_bump`, the interval
/// rules read `interval`; each holds its own copy of `MinBurn`/`MaxBurn`, which the engine keeps
/// equal). `Default` is the runtime's storage defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NeuronRegistrationConfig {
    pub decay_bump: DecayBumpConfig,
    pub interval: IntervalConfig,
}

impl NeuronRegistrationConfig {
    /// What a subnet registered now gets: the current rule's defaults, and the interval
    /// parameters `init_new_network` wrote while the interval rules were live
    /// ([`IntervalConfig::new_subnet`]).
    pub fn new_subnet() -> Self {
        Self {
            decay_bump: DecayBumpConfig::default(),
            interval: IntervalConfig::new_subnet(),
        }
    }
}

/// What a block's start did to the price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockStart {
    /// The price every registration in this block starts from.
    pub burn: Tao,
    /// The interval rule's adjustment, when the interval elapsed at this block.
    pub adjustment: Option<AdjustmentCase>,
}

/// A registration the chain would accept, and what it takes from the payer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admission {
    /// The registration price (`Burn`; 0 for a PoW registration under the interval rules). The
    /// chain adds this to `RAORecycledForRegistration`.
    pub price: Tao,
    /// What actually leaves the coldkey: the price, less whatever would take the account below
    /// the existential deposit (`transfer_tao_to_subnet` / `remove_balance_from_coldkey_account`
    /// keep the account alive). This is what is swapped for alpha (or recycled pre-dTAO).
    pub paid: Tao,
}

/// The price a new subnet starts with. Current rule: `DefaultNeuronBurnCost`, 1 TAO, set by
/// `init_new_network`. Interval rules: the `Burn` storage default (`InitialBurn`), which the
/// registration left alone: 1 TAO until 2025-05-25 (`5505242ff`), 0.1 TAO after; eras from
/// 2025-06 on get 0.1 TAO.
pub fn initial_burn(rules: &Rules) -> Tao {
    match rules.neuron_burn {
        NeuronBurn::DecayAndBump => DEFAULT_NEURON_BURN,
        NeuronBurn::IntervalRecycled | NeuronBurn::IntervalSwapRecycleAlpha => {
            if rules.era < Era::SwapV3 {
                Tao::from_tokens(1)
            } else {
                LEGACY_INITIAL_BURN
            }
        }
    }
}

/// One subnet's registration state: `Burn`, `Difficulty`, `RegistrationsThisBlock` and the
/// interval counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NeuronRegistration {
    pub burn: Tao,
    pub difficulty: u64,
    pub registrations_this_block: u16,
    pub interval: IntervalCounters,
}

impl NeuronRegistration {
    /// A new subnet's state under `rules`: `Burn` from [`initial_burn`], `Difficulty` at its
    /// storage default (1e7), and counters and `LastAdjustmentBlock` at 0. The chain never sets
    /// `LastAdjustmentBlock` at registration, so under the interval rules the first adjustment
    /// comes at the new subnet's first block (any real block is past `0 + interval`).
    pub fn new_subnet(rules: &Rules) -> Self {
        Self {
            burn: initial_burn(rules),
            difficulty: super::burn_legacy::DEFAULT_MIN_DIFFICULTY,
            registrations_this_block: 0,
            interval: IntervalCounters::default(),
        }
    }

    /// The price a registration would pay now.
    pub fn price(&self) -> Tao {
        self.burn
    }

    /// The start of `block`: the current rule decays and clamps the burn
    /// (`update_registration_prices_for_networks`); the interval rules adjust burn and difficulty
    /// when the interval has elapsed (`adjust_registration_terms_for_networks`). Both reset the
    /// per-block counter.
    pub fn on_block(
        &mut self,
        rule: NeuronBurn,
        config: &NeuronRegistrationConfig,
        block: BlockNumber,
    ) -> BlockStart {
        let mut adjustment = None;
        match rule {
            NeuronBurn::DecayAndBump => {
                self.burn = decayed_burn(self.burn, &config.decay_bump, block);
            }
            NeuronBurn::IntervalRecycled | NeuronBurn::IntervalSwapRecycleAlpha => {
                if let Some(adj) = adjust_for_interval(
                    self.burn,
                    self.difficulty,
                    &mut self.interval,
                    &config.interval,
                    block,
                ) {
                    self.burn = adj.burn;
                    self.difficulty = adj.difficulty;
                    adjustment = Some(adj.case);
                }
            }
        }
        self.registrations_this_block = 0;
        BlockStart {
            burn: self.burn,
            adjustment,
        }
    }

    /// Whether a registration is accepted now, and what it costs; changes nothing.
    ///
    /// Checks in the chain's order: `limit` (`register_limit`, current rule only), the interval
    /// rules' per-block then per-interval caps, then the balance (`amount ≤ free balance`,
    /// burned registrations only), then that something can move without reaping the account.
    /// Subnet existence, hotkey and UID-slot checks are the caller's.
    pub fn admit(
        &self,
        rule: NeuronBurn,
        config: &NeuronRegistrationConfig,
        kind: RegistrationKind,
        free_balance: Tao,
        limit: Option<Tao>,
    ) -> Result<Admission, RegistrationError> {
        let price = match rule {
            NeuronBurn::DecayAndBump => {
                if let Some(limit) = limit {
                    if self.burn > limit {
                        return Err(RegistrationError::PriceLimitExceeded {
                            price: self.burn,
                            limit,
                        });
                    }
                }
                self.burn
            }
            NeuronBurn::IntervalRecycled | NeuronBurn::IntervalSwapRecycleAlpha => {
                let ic = &config.interval;
                if self.registrations_this_block >= ic.max_registrations_per_block {
                    return Err(RegistrationError::TooManyRegistrationsThisBlock {
                        max: ic.max_registrations_per_block,
                    });
                }
                let cap = ic.target_registrations_per_interval.saturating_mul(3);
                if self.interval.registrations >= cap {
                    return Err(RegistrationError::TooManyRegistrationsThisInterval { max: cap });
                }
                match kind {
                    RegistrationKind::Burned => self.burn,
                    RegistrationKind::Pow => return Ok(Admission::FREE),
                }
            }
        };
        if price > free_balance {
            return Err(RegistrationError::NotEnoughBalance {
                price,
                balance: free_balance,
            });
        }
        let paid = preserving_transfer(price, free_balance).ok_or(
            RegistrationError::WouldReapAccount {
                balance: free_balance,
            },
        )?;
        Ok(Admission { price, paid })
    }

    /// Books a registration that went through: the current rule bumps the price
    /// (`bump_registration_price_after_registration`; root never calls this); the interval
    /// rules count it by kind. Both count it in the block.
    pub fn record(
        &mut self,
        rule: NeuronBurn,
        config: &NeuronRegistrationConfig,
        kind: RegistrationKind,
    ) {
        match rule {
            NeuronBurn::DecayAndBump => {
                self.burn = bumped_burn(self.burn, &config.decay_bump);
            }
            NeuronBurn::IntervalRecycled | NeuronBurn::IntervalSwapRecycleAlpha => {
                let counters = &mut self.interval;
                match kind {
                    RegistrationKind::Burned => {
                        counters.burn_registrations = counters.burn_registrations.saturating_add(1)
                    }
                    RegistrationKind::Pow => {
                        counters.pow_registrations = counters.pow_registrations.saturating_add(1)
                    }
                }
                counters.registrations = counters.registrations.saturating_add(1);
            }
        }
        self.registrations_this_block = self.registrations_this_block.saturating_add(1);
    }

    /// [`Self::admit`] then [`Self::record`]: the state only changes when the registration is
    /// accepted.
    pub fn register(
        &mut self,
        rule: NeuronBurn,
        config: &NeuronRegistrationConfig,
        kind: RegistrationKind,
        free_balance: Tao,
        limit: Option<Tao>,
    ) -> Result<Admission, RegistrationError> {
        let admission = self.admit(rule, config, kind, free_balance, limit)?;
        self.record(rule, config, kind);
        Ok(admission)
    }
}

impl Admission {
    /// A PoW registration under the interval rules: nothing to pay.
    pub const FREE: Self = Self {
        price: Tao::ZERO,
        paid: Tao::ZERO,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURRENT: NeuronBurn = NeuronBurn::DecayAndBump;
    const LEGACY: NeuronBurn = NeuronBurn::IntervalSwapRecycleAlpha;

    #[test]
    fn the_current_rule_bumps_within_a_block() {
        let config = NeuronRegistrationConfig::default();
        let mut state = NeuronRegistration::new_subnet(&Era::Current.rules());
        state.on_block(CURRENT, &config, 1);
        let rich = Tao::from_tokens(10);
        let first = state
            .register(CURRENT, &config, RegistrationKind::Pow, rich, None)
            .unwrap();
        assert_eq!(first.price, Tao::from_tokens(1));
        assert_eq!(state.price(), Tao(1_260_000_000));
        assert_eq!(
            state.register(
                CURRENT,
                &config,
                RegistrationKind::Burned,
                rich,
                Some(Tao(1_259_999_999))
            ),
            Err(RegistrationError::PriceLimitExceeded {
                price: Tao(1_260_000_000),
                limit: Tao(1_259_999_999)
            })
        );
        assert_eq!(
            state.price(),
            Tao(1_260_000_000),
            "a refusal changes nothing"
        );
    }

    #[test]
    fn the_payment_keeps_the_existential_deposit() {
        let config = NeuronRegistrationConfig::default();
        let state = NeuronRegistration::new_subnet(&Era::Current.rules());
        let one = Tao::from_tokens(1);
        let admission = state
            .admit(CURRENT, &config, RegistrationKind::Burned, one, None)
            .unwrap();
        assert_eq!(admission.price, one);
        assert_eq!(admission.paid, Tao(one.rao() - 500));
        assert_eq!(
            state.admit(
                CURRENT,
                &config,
                RegistrationKind::Burned,
                Tao(999_999_999),
                None
            ),
            Err(RegistrationError::NotEnoughBalance {
                price: one,
                balance: Tao(999_999_999)
            })
        );
    }

    #[test]
    fn the_interval_rule_caps_and_pow_is_free() {
        let config = NeuronRegistrationConfig::default();
        let mut state = NeuronRegistration {
            burn: Tao::from_tokens(1),
            ..NeuronRegistration::new_subnet(&Era::TaoFlow.rules())
        };
        state.on_block(LEGACY, &config, 10);
        let pow = state
            .register(LEGACY, &config, RegistrationKind::Pow, Tao::ZERO, None)
            .unwrap();
        assert_eq!(pow, Admission::FREE);
        assert_eq!(
            state.admit(LEGACY, &config, RegistrationKind::Burned, Tao::MAX, None),
            Err(RegistrationError::TooManyRegistrationsThisBlock { max: 1 })
        );
        for block in 11..16 {
            state.on_block(LEGACY, &config, block);
            state
                .register(LEGACY, &config, RegistrationKind::Burned, Tao::MAX, None)
                .unwrap();
        }
        state.on_block(LEGACY, &config, 16);
        assert_eq!(
            state.admit(LEGACY, &config, RegistrationKind::Pow, Tao::MAX, None),
            Err(RegistrationError::TooManyRegistrationsThisInterval { max: 6 })
        );
        // LastAdjustmentBlock starts at 0, so the interval ends at block 100. 6 registrations,
        // 5 burned: case B doubles the burn.
        assert_eq!(state.on_block(LEGACY, &config, 99).adjustment, None);
        let start = state.on_block(LEGACY, &config, 100);
        assert_eq!(start.adjustment, Some(AdjustmentCase::B));
        assert_eq!(start.burn, Tao::from_tokens(2));
        assert_eq!(state.interval.registrations, 0);
        assert_eq!(state.interval.last_adjustment_block, 100);
    }

    #[test]
    fn new_subnets_start_at_the_eras_price() {
        let start = |era: Era| NeuronRegistration::new_subnet(&era.rules()).price();
        assert_eq!(start(Era::Current), Tao::from_tokens(1));
        assert_eq!(start(Era::TaoFlow), Tao(100_000_000));
        assert_eq!(start(Era::DtaoLaunch), Tao::from_tokens(1));
        let legacy = NeuronRegistrationConfig::new_subnet().interval;
        assert_eq!(
            (
                legacy.adjustment_interval,
                legacy.target_registrations_per_interval
            ),
            (360, 1)
        );
    }
}
