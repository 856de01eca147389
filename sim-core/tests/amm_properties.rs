//! Properties of the pools that must hold for any state, not only the golden vectors:
//! a round trip never creates value, reserves move by exactly the swapped amounts (never below
//! zero), a refused swap changes nothing, and protocol liquidity keeps the price.

use proptest::prelude::*;
use sim_core::amm::{Pool, QuoteWeight, Side, WEIGHT_ACCURACY};
use sim_core::{Alpha, Tao};

fn pool_strategy() -> impl Strategy<Value = Pool> {
    (
        1_000_000u64..=10_000_000_000_000_000,
        1_000_000u64..=21_000_000_000_000_000,
        (WEIGHT_ACCURACY / 100)..=(WEIGHT_ACCURACY / 100 * 99),
        prop_oneof![Just(0u16), Just(33u16), 0u16..=10_000],
    )
        .prop_map(|(tao, alpha, w, fee_rate)| Pool {
            tao_reserve: Tao(tao),
            alpha_reserve: Alpha(alpha),
            weight: QuoteWeight::from_parts(w).expect("strategy stays within [0.01, 0.99]"),
            fee_rate,
        })
}

/// An amount between 1 rao and 2 x the reserve, log-uniform-ish so small trades show up.
fn amount_for(reserve: u64, frac_exp: u32, mantissa: u64) -> u64 {
    let scaled = (u128::from(reserve.max(1)) * u128::from(mantissa)) >> frac_exp.min(60);
    u64::try_from(scaled / 1_000).unwrap_or(u64::MAX).max(1)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Buying and then selling all the alpha received returns at most the TAO put in: at most
    /// the gross amount with fees, and at most the net amount when fees are dropped.
    #[test]
    fn buy_then_sell_never_creates_tao(
        pool in pool_strategy(), e in 0u32..50, m in 1u64..2_000, drop_fees in any::<bool>(),
    ) {
        let mut p = pool;
        let amount = amount_for(p.tao_reserve.0, e, m);
        let Ok(bought) = p.swap(Side::Buy, amount, Side::Buy.default_price_limit(), drop_fees) else {
            return Ok(());
        };
        if bought.amount_paid_out == 0 {
            return Ok(());
        }
        if let Ok(sold) = p.swap(Side::Sell, bought.amount_paid_out, Side::Sell.default_price_limit(), drop_fees) {
            prop_assert!(sold.amount_paid_out <= amount,
                "round trip of {amount} TAO returned {} (pool {pool:?})", sold.amount_paid_out);
            prop_assert!(sold.amount_paid_out <= bought.amount_paid_in,
                "round trip returned {} > net TAO in {} (pool {pool:?})",
                sold.amount_paid_out, bought.amount_paid_in);
        }
    }

    /// Selling and then buying back with all the TAO received returns at most the alpha sold.
    #[test]
    fn sell_then_buy_never_creates_alpha(
        pool in pool_strategy(), e in 0u32..50, m in 1u64..2_000, drop_fees in any::<bool>(),
    ) {
        let mut p = pool;
        let amount = amount_for(p.alpha_reserve.0, e, m);
        let Ok(sold) = p.swap(Side::Sell, amount, Side::Sell.default_price_limit(), drop_fees) else {
            return Ok(());
        };
        if sold.amount_paid_out == 0 {
            return Ok(());
        }
        if let Ok(bought) = p.swap(Side::Buy, sold.amount_paid_out, Side::Buy.default_price_limit(), drop_fees) {
            prop_assert!(bought.amount_paid_out <= amount,
                "round trip of {amount} alpha returned {} (pool {pool:?})", bought.amount_paid_out);
            prop_assert!(bought.amount_paid_out <= sold.amount_paid_in,
                "round trip returned {} > net alpha in {} (pool {pool:?})",
                bought.amount_paid_out, sold.amount_paid_in);
        }
    }

    /// A sequence of swaps (with random limits) moves the reserves by exactly the amounts paid in
    /// and out, never pays out more than the output reserve, and leaves the pool unchanged when
    /// refused.
    #[test]
    fn reserves_move_by_exactly_the_swapped_amounts(
        pool in pool_strategy(),
        trades in prop::collection::vec((any::<bool>(), 0u32..50, 1u64..3_000, 0u64..=2_000_000_000_000), 1..12),
    ) {
        let mut p = pool;
        for (is_buy, e, m, limit) in trades {
            let side = if is_buy { Side::Buy } else { Side::Sell };
            let reserve_in = if is_buy { p.tao_reserve.0 } else { p.alpha_reserve.0 };
            let amount = amount_for(reserve_in, e, m);
            let before = p;
            match p.swap(side, amount, limit, false) {
                Ok(r) => {
                    prop_assert!(r.amount_paid_in.saturating_add(r.fee_paid) <= amount,
                        "net {} + fee {} above the amount {amount}", r.amount_paid_in, r.fee_paid);
                    let (tao, alpha) = match side {
                        Side::Buy => (
                            before.tao_reserve.0.checked_add(r.amount_paid_in),
                            before.alpha_reserve.0.checked_sub(r.amount_paid_out),
                        ),
                        Side::Sell => (
                            before.tao_reserve.0.checked_sub(r.amount_paid_out),
                            before.alpha_reserve.0.checked_add(r.amount_paid_in),
                        ),
                    };
                    prop_assert_eq!(Some(p.tao_reserve.0), tao, "TAO reserve: {:?} then {:?}", before, r);
                    prop_assert_eq!(Some(p.alpha_reserve.0), alpha, "alpha reserve: {:?} then {:?}", before, r);
                }
                Err(_) => prop_assert_eq!(p, before),
            }
        }
    }

    /// An accepted protocol injection keeps the spot price, up to the weight's 1e-18 resolution
    /// (relative error at most 1e-18 / (w1 * w2) <= ~1e-14 for weights in [0.01, 0.99]) and the
    /// U64F64 truncation of the price (a few 2^-64 steps). A rejected one changes nothing.
    #[test]
    fn protocol_liquidity_keeps_the_price(
        pool in pool_strategy(),
        tao_delta in 0u64..=100_000_000_000_000,
        alpha_delta in 0u64..=100_000_000_000_000,
    ) {
        let mut p = pool;
        let price_before = p.current_price();
        let (tao, alpha) = p.adjust_protocol_liquidity(Tao(tao_delta), Alpha(alpha_delta));
        if (tao.0, alpha.0) == (0, 0) {
            if (tao_delta, alpha_delta) != (0, 0) {
                prop_assert_eq!(p, pool, "a rejected injection leaves the pool unchanged");
            }
            return Ok(());
        }
        prop_assert_eq!((tao.0, alpha.0), (tao_delta, alpha_delta), "accepted means all of it");
        let w = p.weight.parts();
        prop_assert!((WEIGHT_ACCURACY / 100..=WEIGHT_ACCURACY / 100 * 99).contains(&w));
        p.tao_reserve = p.tao_reserve.saturating_add(tao);
        p.alpha_reserve = p.alpha_reserve.saturating_add(alpha);
        let before = price_before.to_bits() as f64;
        let after = p.current_price().to_bits() as f64;
        let tolerance = before * 1e-13 + 16.0;
        prop_assert!((after - before).abs() <= tolerance,
            "price moved from {} to {} bits (pool {:?}, deltas {} / {})",
            before, after, pool, tao_delta, alpha_delta);
    }
}
