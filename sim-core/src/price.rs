//! An exogenous TAO/USD price path, so that traces and reports can show USD values.
//!
//! The chain knows no USD price; this is a scenario input. Paths: a constant, geometric Brownian
//! motion drawn from the scenario's own random stream, or a table of dated prices (step
//! function). Floats are used here because this is a model input, not chain arithmetic.

use crate::rng::{stream, SimRng, Stream};
use crate::time::UnixMillis;

/// The random stream of the price path (house rule 1: its own stream).
pub const PRICE_STREAM: Stream = Stream::Scenario(1);

/// How the TAO/USD price moves.
#[derive(Clone, Debug, PartialEq)]
pub enum PriceModel {
    Constant,
    /// Geometric Brownian motion: yearly drift and volatility, updated every `step_blocks`.
    Gbm {
        drift_per_year: f64,
        volatility_per_year: f64,
        step_blocks: u64,
    },
    /// Dated prices, sorted by time: the price in force is the last one at or before the block.
    Table(Vec<(UnixMillis, f64)>),
}

/// The price path's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceConfig {
    pub start_tao_usd: f64,
    pub model: PriceModel,
}

/// The price path's state during a run.
pub struct PricePath {
    config: PriceConfig,
    price: f64,
    rng: SimRng,
    since_step: u64,
}

const MS_PER_YEAR: f64 = 365.25 * 86_400_000.0;

impl PricePath {
    pub fn new(config: PriceConfig, seed: u64, start_ms: UnixMillis) -> Self {
        let mut path = Self {
            price: config.start_tao_usd,
            config,
            rng: stream(seed, PRICE_STREAM),
            since_step: 0,
        };
        if let PriceModel::Table(rows) = &path.config.model {
            path.price = table_price(rows, start_ms).unwrap_or(path.config.start_tao_usd);
        }
        path
    }

    pub fn tao_usd(&self) -> f64 {
        self.price
    }

    /// Advances to a new block that comes `block_ms` after the previous one.
    pub fn step(&mut self, time_ms: UnixMillis, block_ms: u64) {
        match &self.config.model {
            PriceModel::Constant => {}
            PriceModel::Gbm {
                drift_per_year,
                volatility_per_year,
                step_blocks,
            } => {
                self.since_step += 1;
                if self.since_step < *step_blocks {
                    return;
                }
                self.since_step = 0;
                let dt = (*step_blocks as f64 * block_ms as f64) / MS_PER_YEAR;
                let z = crate::rng::standard_normal(&mut self.rng);
                let (mu, sigma) = (*drift_per_year, *volatility_per_year);
                self.price *= ((mu - 0.5 * sigma * sigma) * dt + sigma * dt.sqrt() * z).exp();
            }
            PriceModel::Table(rows) => {
                if let Some(p) = table_price(rows, time_ms) {
                    self.price = p;
                }
            }
        }
    }
}

fn table_price(rows: &[(UnixMillis, f64)], t: UnixMillis) -> Option<f64> {
    let i = rows.partition_point(|(at, _)| *at <= t);
    (i > 0).then(|| rows[i - 1].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbm_is_repeatable_and_moves_once_per_step() {
        let config = PriceConfig {
            start_tao_usd: 400.0,
            model: PriceModel::Gbm {
                drift_per_year: 0.0,
                volatility_per_year: 0.8,
                step_blocks: 10,
            },
        };
        let run = |seed| {
            let mut p = PricePath::new(config.clone(), seed, 0);
            let mut seen = vec![];
            for b in 1..=30 {
                p.step(b * 12_000, 12_000);
                seen.push(p.tao_usd());
            }
            seen
        };
        let a = run(1);
        assert_eq!(a, run(1));
        assert_ne!(a, run(2));
        assert_eq!(a[8], 400.0, "no move before the first step");
        assert_ne!(a[9], 400.0);
        assert_eq!(a[9], a[18]);
    }

    #[test]
    fn a_table_is_a_step_function_of_time() {
        let config = PriceConfig {
            start_tao_usd: 1.0,
            model: PriceModel::Table(vec![(100, 300.0), (200, 250.0)]),
        };
        let mut p = PricePath::new(config, 0, 50);
        assert_eq!(p.tao_usd(), 1.0, "before the first row: the start price");
        p.step(150, 12);
        assert_eq!(p.tao_usd(), 300.0);
        p.step(200, 12);
        assert_eq!(p.tao_usd(), 250.0);
    }
}
