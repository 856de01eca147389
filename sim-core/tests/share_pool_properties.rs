//! Properties of the share pools (spec 6.5) and the SafeFloat arithmetic under them.
//!
//! * Staking then unstaking never returns more than was put in, and the pool value moves by
//!   exactly the amounts staked and unstaked.
//! * Dividends added to the whole pool raise every holder's stake in proportion to it, within
//!   the one-rao floors, and create no value: the holders' stakes never sum above the pool.
//! * On whole numbers, `SafeFloat::mul_div` then the u64 conversion is the exact floor.

use num_bigint::BigUint;
use proptest::prelude::*;
use sim_core::stake::{SafeFloat, SharePool};

/// A pool built by staking each amount for coldkeys 0, 1, 2, … and then adding dividends
/// (only when someone holds shares: see `value_without_shares_goes_to_the_first_staker`).
fn pool_from(stakes: &[u64], dividends: u64) -> SharePool<u16> {
    let mut pool = SharePool::new();
    for (i, &amount) in stakes.iter().enumerate() {
        pool.stake(&(i as u16), amount);
    }
    if !stakes.is_empty() {
        pool.add_to_all(dividends);
    }
    pool
}

fn holders_total(pool: &SharePool<u16>) -> u128 {
    pool.shares()
        .map(|(c, _)| u128::from(pool.stake_of(c)))
        .sum()
}

/// Amounts from 1 rao to 10 million TAO.
fn amount() -> impl Strategy<Value = u64> {
    prop_oneof![
        1u64..1_000,
        1_000u64..1_000_000_000,
        1_000_000_000u64..10_000_000_000_000_000
    ]
}

/// The chain's quirk, kept: dividends paid to a hotkey nobody stakes on stay in the pool value,
/// and the first staker's shares become the whole denominator, so it owns them.
#[test]
fn value_without_shares_goes_to_the_first_staker() {
    let mut pool: SharePool<u16> = SharePool::new();
    pool.add_to_all(700);
    assert_eq!(pool.value(), 700);
    pool.stake(&1, 300);
    assert_eq!(pool.stake_of(&1), 1000);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn stake_then_unstake_never_returns_more(
        stakes in proptest::collection::vec(amount(), 0..6),
        dividends in prop_oneof![Just(0u64), amount()],
        put_in in amount(),
    ) {
        let mut pool = pool_from(&stakes, dividends);
        let newcomer = u16::MAX;
        let value_before = pool.value();
        pool.stake(&newcomer, put_in);
        prop_assert_eq!(pool.value(), value_before + put_in);
        let worth = pool.stake_of(&newcomer);
        prop_assert!(worth <= put_in, "staked {} but worth {}", put_in, worth);
        prop_assert!(holders_total(&pool) <= u128::from(pool.value()));

        // Taking out one rao more than the stake is refused; the stake itself is not.
        prop_assert!(!pool.unstake(&newcomer, worth + 1));
        prop_assert!(pool.unstake(&newcomer, worth));
        prop_assert_eq!(pool.value(), value_before + put_in - worth);
        prop_assert!(holders_total(&pool) <= u128::from(pool.value()));
    }

    #[test]
    fn dividends_raise_every_stake_in_proportion(
        stakes in proptest::collection::vec(amount(), 1..6),
        earlier in prop_oneof![Just(0u64), amount()],
        dividends in amount(),
    ) {
        let mut pool = pool_from(&stakes, earlier);
        let before: Vec<(u16, u64)> = pool.shares().map(|(c, _)| (*c, pool.stake_of(c))).collect();
        let v = u128::from(pool.value());
        pool.add_to_all(dividends);
        let d = u128::from(dividends);
        prop_assert_eq!(u128::from(pool.value()), v + d);
        for (c, old) in before {
            let new = pool.stake_of(&c);
            prop_assert!(new >= old, "holder {} lost value: {} -> {}", c, old, new);
            // new / old = (V + d) / V up to the floors of both stakes (each below one rao).
            let lhs = i128::try_from(u128::from(new) * v).expect("fits");
            let rhs = i128::try_from(u128::from(old) * (v + d)).expect("fits");
            let slack = i128::try_from(2 * (v + d)).expect("fits");
            prop_assert!(
                (lhs - rhs).abs() <= slack,
                "holder {} not proportional: {} -> {} with V={} d={}", c, old, new, v, d
            );
        }
        prop_assert!(holders_total(&pool) <= u128::from(pool.value()));
    }

    #[test]
    fn mul_div_on_integers_is_the_exact_floor(a in any::<u64>(), b in any::<u64>(), c in 1u64..) {
        let exact = BigUint::from(a) * BigUint::from(b) / BigUint::from(c);
        let got = SafeFloat::from_u64(a)
            .mul_div(&SafeFloat::from_u64(b), &SafeFloat::from_u64(c))
            .expect("non-zero divisor")
            .to_u64();
        let want = u64::try_from(exact).unwrap_or(u64::MAX);
        prop_assert_eq!(got, want);
    }

    #[test]
    fn safe_float_stays_normalised(m in 0u128..=1_000_000_000_000_000_000_000, e in -40i64..10) {
        let x = SafeFloat::new(m, e).expect("in range");
        if m == 0 {
            prop_assert_eq!(x, SafeFloat::ZERO);
        } else {
            prop_assert!(x.mantissa() > 100_000_000_000_000_000_000);
            prop_assert!(x.mantissa() <= 1_000_000_000_000_000_000_000);
        }
        let y = SafeFloat::from_u64(12_345);
        for z in [x.add(&y), x.div(&y), x.mul_div(&y, &y), y.sub(&x)].into_iter().flatten() {
            prop_assert!(z.is_zero() || z.mantissa() > 100_000_000_000_000_000_000);
            prop_assert!(z.mantissa() <= 1_000_000_000_000_000_000_000);
        }
    }
}
