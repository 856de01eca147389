//! One balancer pool swap, the chain buy of the coinbase and an unstake, at weights where the
//! swap needs the chain's arbitrary-precision power, and at 0.5 (constant product) for contrast.
//! Run: `cargo bench -p sim-core --bench amm` (release build); prints nanoseconds per swap.
//! `cargo bench -p sim-core --bench amm -- sell` runs only the cases whose name matches.

use sim_core::amm::{Pool, QuoteWeight, Side, WEIGHT_ACCURACY};
use sim_core::{Alpha, Tao};
use std::hint::black_box;
use std::time::Instant;

/// Pools of mainnet-like size: 1e3 to 1e6 TAO and 1e5 to 1e7 alpha in rao, quote weights spread
/// around 0.5 as protocol-liquidity updates leave them (arbitrary Perquintill parts).
fn pools(weight_parts: Option<u64>) -> Vec<Pool> {
    // A fixed pseudo-random pattern (an LCG) so that every run measures the same work.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x >> 11
    };
    (0..64)
        .map(|_| {
            let tao = 1_000_000_000_000 + next() % 1_000_000_000_000_000;
            let alpha = 100_000_000_000_000 + next() % 10_000_000_000_000_000;
            let w = weight_parts.unwrap_or_else(|| {
                WEIGHT_ACCURACY / 2 - WEIGHT_ACCURACY / 20 + next() % (WEIGHT_ACCURACY / 10)
            });
            Pool::new(
                Tao(tao),
                Alpha(alpha),
                QuoteWeight::from_parts(w).expect("within [0.01, 0.99]"),
            )
        })
        .collect()
}

fn bench(name: &str, side: Side, weight_parts: Option<u64>, amount: u64, drop_fees: bool) {
    if let Some(filter) = std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        if !name.contains(&filter) {
            return;
        }
    }
    let start_pools = pools(weight_parts);
    let run = |rounds: usize| {
        let mut pools = start_pools.clone();
        let mut paid_out = 0u64;
        for r in 0..rounds {
            for p in pools.iter_mut() {
                // The amount varies a little per round so that no two swaps are alike.
                let a = amount + (r as u64 % 97) * 1_000_003;
                if let Ok(res) = p.swap(side, black_box(a), side.default_price_limit(), drop_fees) {
                    paid_out = paid_out.wrapping_add(res.amount_paid_out);
                }
            }
        }
        black_box(paid_out);
    };
    run(2);
    // Calibrate to roughly half a second.
    let mut rounds = 1usize;
    loop {
        let t = Instant::now();
        run(rounds);
        if t.elapsed().as_secs_f64() > 0.05 || rounds > 1 << 20 {
            break;
        }
        rounds *= 2;
    }
    rounds *= 10;
    let start = Instant::now();
    run(rounds);
    let swaps = rounds * start_pools.len();
    let per = start.elapsed().as_secs_f64() * 1e9 / swaps as f64;
    println!("{name:<46} {per:>12.1} ns per swap ({swaps} swaps)");
}

fn main() {
    // The coinbase's chain buy: about one block's TAO emission into each pool, fees dropped.
    bench(
        "chain buy, weight ~0.5 (series)",
        Side::Buy,
        None,
        500_000_000,
        true,
    );
    bench(
        "stake buy 10 TAO, weight ~0.5 (series)",
        Side::Buy,
        None,
        10_000_000_000,
        false,
    );
    bench(
        "unstake sell 10 alpha, weight ~0.5 (series)",
        Side::Sell,
        None,
        10_000_000_000,
        false,
    );
    bench(
        "chain buy, weight 0.3 (exact root)",
        Side::Buy,
        Some(WEIGHT_ACCURACY / 10 * 3),
        500_000_000,
        true,
    );
    bench(
        "chain buy, weight 0.5 (constant product)",
        Side::Buy,
        Some(WEIGHT_ACCURACY / 2),
        500_000_000,
        true,
    );
}
