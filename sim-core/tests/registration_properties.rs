//! Properties of the registration prices that must hold for any state, not only the golden
//! vectors: after a burst of registrations the current price falls every block back to its floor;
//! prices never leave [MinBurn, MaxBurn]; the legacy rule never admits more than its caps; the
//! subnet lock never goes below its minimum and only falls between registrations; a new pool
//! always holds at least the minimum lock at (at most) the median price; pruning never picks an
//! immortal UID.

use proptest::prelude::*;
use sim_core::registration::{
    immune_owner_uids, is_immune, median_subnet_alpha_price, neuron_to_prune,
    register_network_pool, BurnBounds, BurnDecay, DecayBumpConfig, IntervalConfig, NetworkLock,
    NeuronPruneView, NeuronRegistration, NeuronRegistrationConfig, RegistrationKind,
    EXISTENTIAL_DEPOSIT,
};
use sim_core::rules::{Era, LockHandling, NeuronBurn, Rules};
use sim_core::units::Uid;
use sim_core::{Alpha, Tao};
use substrate_fixed::types::U64F64;

fn decay_bump_strategy() -> impl Strategy<Value = DecayBumpConfig> {
    (
        1u64..=1_000_000_000,
        1u64..=1_000,
        prop_oneof![Just(360u16), 1u16..=2_000],
        prop_oneof![Just(1.26f64), 1.0f64..4.0],
    )
        .prop_map(|(min, span, half_life, mult)| DecayBumpConfig {
            bounds: BurnBounds {
                min: Tao(min),
                max: Tao(min.saturating_mul(span)),
            },
            decay: BurnDecay::new(half_life),
            increase_mult: U64F64::from_num(mult),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A burst of registrations raises the price within the bounds; afterwards every block lowers
    /// it (strictly, until the floor) and it reaches MinBurn in at most ~log2(max/min) + 1
    /// half-lives, never going below it.
    #[test]
    fn a_burst_decays_back_to_the_floor(
        decay_bump in decay_bump_strategy(),
        start_frac in 0u64..=1_000,
        burst in 1u16..40,
        first_block in 2u64..10_000_000,
    ) {
        let config = NeuronRegistrationConfig { decay_bump, ..Default::default() };
        let rule = NeuronBurn::DecayAndBump;
        let (min, max) = (decay_bump.bounds.min, decay_bump.bounds.max);
        let start = min.rao() + (max.rao() - min.rao()) / 1_000 * start_frac;
        let mut state = NeuronRegistration { burn: Tao(start), ..NeuronRegistration::new_subnet(&Rules::default()) };
        state.on_block(rule, &config, first_block);
        let mut before = state.price();
        for _ in 0..burst {
            state.register(rule, &config, RegistrationKind::Burned, Tao::MAX, None).unwrap();
            prop_assert!(state.price() >= before && state.price() <= max);
            before = state.price();
        }
        let halvings = u64::from(64 - (max.rao() / min.rao()).leading_zeros()) + 1;
        let horizon = halvings * u64::from(decay_bump.decay.half_life()) + 1;
        let mut previous = state.price();
        for block in first_block + 1..=first_block + horizon {
            let now = state.on_block(rule, &config, block).burn;
            prop_assert!(now >= min);
            prop_assert!(now < previous || now == min, "block {block}: {previous:?} -> {now:?}");
            previous = now;
        }
        prop_assert_eq!(state.price(), min);
    }

    /// Whatever the start price, bounds and registrations, the current rule's price is within
    /// [MinBurn, MaxBurn] after every block start and every registration.
    #[test]
    fn the_current_price_stays_within_its_bounds(
        decay_bump in decay_bump_strategy(),
        start in any::<u64>(),
        regs in prop::collection::vec(0u8..4, 1..200),
    ) {
        let config = NeuronRegistrationConfig { decay_bump, ..Default::default() };
        let rule = NeuronBurn::DecayAndBump;
        let bounds = decay_bump.bounds;
        let mut state = NeuronRegistration { burn: Tao(start), ..NeuronRegistration::new_subnet(&Rules::default()) };
        for (i, n) in regs.iter().enumerate() {
            state.on_block(rule, &config, 100 + i as u64);
            prop_assert!(state.price() >= bounds.min && state.price() <= bounds.max);
            for _ in 0..*n {
                let paid = state.register(rule, &config, RegistrationKind::Burned, Tao::MAX, None)
                    .unwrap();
                prop_assert!(paid.price >= bounds.min && paid.price <= bounds.max);
            }
        }
    }

    /// The interval rule keeps the burn and difficulty within their bounds and never admits more
    /// than MaxRegistrationsPerBlock per block or 3 x target per interval.
    #[test]
    fn the_legacy_rule_respects_its_caps_and_bounds(
        target in 1u16..5,
        max_per_block in 1u16..4,
        alpha in prop_oneof![Just(0u64), Just(u64::MAX / 2), any::<u64>()],
        interval in 1u16..400,
        attempts in prop::collection::vec((0u8..5, any::<bool>()), 50..600),
    ) {
        let bounds = BurnBounds { min: Tao(500_000), max: Tao::from_tokens(100) };
        let config = NeuronRegistrationConfig {
            decay_bump: DecayBumpConfig::default(),
            interval: IntervalConfig {
                adjustment_interval: interval,
                target_registrations_per_interval: target,
                adjustment_alpha: alpha,
                burn_bounds: bounds,
                max_registrations_per_block: max_per_block,
                ..IntervalConfig::default()
            },
        };
        let rule = NeuronBurn::IntervalSwapRecycleAlpha;
        let mut state = NeuronRegistration::new_subnet(&Era::TaoFlow.rules());
        state.interval.last_adjustment_block = 1_000;
        let mut in_interval = 0u16;
        for (i, (n, pow)) in attempts.iter().enumerate() {
            let block = 1_001 + i as u64;
            if state.on_block(rule, &config, block).adjustment.is_some() {
                in_interval = 0;
            }
            prop_assert!(state.burn >= bounds.min && state.burn <= bounds.max);
            let ic = &config.interval;
            prop_assert!(state.difficulty >= ic.min_difficulty && state.difficulty <= ic.max_difficulty);
            let kind = if *pow { RegistrationKind::Pow } else { RegistrationKind::Burned };
            let mut in_block = 0u16;
            for _ in 0..*n {
                if state.register(rule, &config, kind, Tao::MAX, None).is_ok() {
                    in_block += 1;
                    in_interval += 1;
                }
            }
            prop_assert!(in_block <= max_per_block);
            prop_assert!(in_interval <= 3 * target);
            prop_assert_eq!(state.interval.registrations, in_interval);
        }
    }

    /// The lock cost is never below the minimum, doubles the last lock at the registration block
    /// (when that does not saturate and the minimum does not bind), and only falls until the next
    /// registration.
    #[test]
    fn the_lock_cost_never_goes_below_its_minimum(
        min_lock in 0u64..=10_000_000_000_000,
        last_lock in 0u64..=1_000_000_000_000_000,
        last_block in 0u64..10_000_000,
        interval in 0u64..200_000,
        steps in prop::collection::vec(1u64..50_000, 1..40),
    ) {
        let min = Tao(min_lock);
        let lock = NetworkLock { last_lock: Tao(last_lock), last_lock_block: last_block };
        let at_registration = lock.cost(min, interval, last_block);
        let mult = if last_block == 0 { 1 } else { 2 };
        prop_assert_eq!(at_registration, Tao(last_lock * mult).max(min));
        let mut previous = at_registration;
        let mut block = last_block;
        for step in steps {
            block += step;
            let cost = lock.cost(min, interval, block);
            prop_assert!(cost >= min);
            prop_assert!(cost <= previous);
            previous = cost;
        }
    }

    /// A new pool holds at least the minimum lock, never more alpha than the median price allows,
    /// and the transfer never takes the payer below the existential deposit.
    #[test]
    fn a_new_pool_is_funded_at_the_median_price(
        prices in prop::collection::vec(prop_oneof![Just(0u128), 1u128..(1u128 << 70)], 0..40),
        lock in 0u64..=10_000_000_000_000,
        extra in prop_oneof![Just(0u64), 0u64..=1_000_000_000_000],
        min_lock in 1u64..=2_000_000_000_000,
    ) {
        let prices: Vec<U64F64> = prices.into_iter().map(U64F64::from_bits).collect();
        let median = median_subnet_alpha_price(prices.iter().copied());
        let positive: Vec<U64F64> = prices.iter().copied().filter(|p| *p > U64F64::from_num(0)).collect();
        if let (Some(lo), Some(hi)) = (positive.iter().min(), positive.iter().max()) {
            prop_assert!(median.price >= *lo && median.price <= *hi);
        } else {
            prop_assert_eq!(median.price, U64F64::from_num(1));
        }
        let free = Tao(lock.saturating_add(extra));
        let result = register_network_pool(
            LockHandling::PoolAtMedianPrice, Tao(lock), free, Tao(min_lock), median.price,
        );
        let Ok(pool) = result else {
            // Only an account that cannot keep its ED while paying a positive lock is refused.
            prop_assert!(lock > 0 && free.rao() <= EXISTENTIAL_DEPOSIT.rao());
            return Ok(());
        };
        prop_assert!(pool.actual_lock <= Tao(lock));
        prop_assert!(free.saturating_sub(pool.actual_lock) >= EXISTENTIAL_DEPOSIT.min(free));
        prop_assert!(pool.subnet_tao >= Tao(min_lock));
        prop_assert_eq!(pool.alpha_out, Alpha::ZERO);
        prop_assert_eq!(pool.recycled, Tao::ZERO);
        let alpha_value = U64F64::saturating_from_num(pool.alpha_in.rao()).saturating_mul(median.price);
        prop_assert!(alpha_value <= U64F64::saturating_from_num(pool.subnet_tao.rao()));
    }

    /// Pruning never picks an immortal UID, and picks an existing one.
    #[test]
    fn pruning_never_picks_an_immortal_uid(
        regs in prop::collection::vec(0u64..20_000, 1..300),
        emission_seed in prop::collection::vec(0u64..5, 1..300),
        owner_uid in prop::option::of(0u16..300),
        owned in prop::collection::vec(0u16..300, 0..6),
        limit in 0u16..10,
        min_free in 0u16..20,
        block in 0u64..25_000,
    ) {
        let n = regs.len() as u16;
        let owner_uid = owner_uid.filter(|u| *u < n).map(Uid);
        let mut owned: Vec<Uid> = owned.into_iter().filter(|u| *u < n).map(Uid).collect();
        owned.sort();
        owned.dedup();
        let immortal = immune_owner_uids(owner_uid, &owned, &regs, limit);
        prop_assert!(immortal.len() <= usize::from(limit));
        let emission: Vec<Alpha> = emission_seed.into_iter().map(Alpha).collect();
        let view = NeuronPruneView {
            registered_at: &regs,
            emission: &emission,
            immortal: &immortal,
            immunity_period: 5_000,
            min_non_immune_uids: min_free,
        };
        if let Some(uid) = neuron_to_prune(&view, block) {
            prop_assert!(uid.0 < n);
            prop_assert!(!immortal.contains(&uid));
        } else {
            // Nothing to prune: no mortal immune UID to fall back on, and too few mortal
            // non-immune UIDs to take one.
            let mortal = |u: &u16| !immortal.contains(&Uid(*u));
            let immune = |u: &u16| is_immune(block, regs[usize::from(*u)], 5_000);
            prop_assert!(!(0..n).filter(mortal).any(|u| immune(&u)));
            prop_assert!((0..n).filter(mortal).filter(|u| !immune(u)).count() <= usize::from(min_free));
        }
    }
}
