//! A recurring, price-elastic demand for neuron registrations (a scenario input, not a chain
//! rule): the cheapest model of "people keep registering" that lets the chain's own burn rule
//! set the price and so the TAO burned.
//!
//! Each covered subnet gets a reference burn `b_ref`, drawn once from the subnet's own stream
//! (`rng::Stream::Registration(netuid)`), log-uniformly between `burn_at_target_min` and
//! `burn_at_target_max`: the price at which the subnet's demand equals its
//! `TargetRegistrationsPerInterval`. At a burn `b` the expected attempts per adjustment interval
//! are
//!
//! ```text
//! λ(b) = scale · target · (b_ref / b)^elasticity
//! ```
//!
//! and every block each covered subnet gets one attempt with probability `min(1, λ(b) /
//! interval)` (the chain admits at most one registration per block per subnet anyway). An
//! attempt goes through the chain's admission checks (per-block and per-interval caps) and pays
//! the burn of the moment; the interval rule then moves the burn up or down from the counts, as
//! on chain. The registrant's UID is not modelled (no hotkeys, no neurons): only the price, the
//! counters and the payment are.

use crate::units::{BlockNumber, Tao};

/// One `[[registration_demand]]` entry, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct DemandSpec {
    /// Covered netuids, both ends included (root is never covered).
    pub first_netuid: u16,
    pub last_netuid: u16,
    /// Last block with demand; `None` runs to the end.
    pub until_block: Option<BlockNumber>,
    /// Range of the subnets' reference burns (log-uniform).
    pub burn_at_target_min: Tao,
    pub burn_at_target_max: Tao,
    /// How strongly attempts fall as the burn rises (1: TAO spent per interval is flat).
    pub elasticity: f64,
    /// Multiplies every subnet's demand (for sweeps: 2 = twice the registrations at any price).
    pub scale: f64,
    /// Subnet hyperparameters written on the covered subnets that exist when the demand
    /// starts (`AdjustmentInterval`, `TargetRegistrationsPerInterval`, `AdjustmentAlpha` as
    /// u64 / u64::MAX); `None` keeps each subnet's own.
    pub adjustment_interval: Option<u16>,
    pub target_registrations: Option<u16>,
    pub adjustment_alpha: Option<u64>,
    /// Start every covered subnet that exists when the demand starts at its reference burn.
    pub start_at_reference: bool,
}

impl DemandSpec {
    pub fn covers(&self, netuid: u16) -> bool {
        netuid != 0 && (self.first_netuid..=self.last_netuid).contains(&netuid)
    }

    pub fn active(&self, block: BlockNumber) -> bool {
        self.until_block.is_none_or(|u| block <= u)
    }

    /// The reference burn for a uniform draw `u` in [0, 1): log-uniform over the range.
    pub fn reference_burn(&self, u: f64) -> f64 {
        let lo = (self.burn_at_target_min.rao().max(1)) as f64;
        let hi = (self.burn_at_target_max.rao().max(1)) as f64;
        (lo.ln() + u * (hi.ln() - lo.ln())).exp()
    }

    /// Probability of an attempt in one block at burn `burn` (rao), for a subnet with reference
    /// burn `reference` (rao) and the given interval and target.
    pub fn attempt_probability(
        &self,
        reference: f64,
        burn: u64,
        interval: u16,
        target: u16,
    ) -> f64 {
        let burn = burn.max(1) as f64;
        let lambda = self.scale * f64::from(target) * (reference / burn).powf(self.elasticity);
        (lambda / f64::from(interval.max(1))).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> DemandSpec {
        DemandSpec {
            first_netuid: 1,
            last_netuid: 50,
            until_block: Some(100),
            burn_at_target_min: Tao(10_000_000),
            burn_at_target_max: Tao(2_500_000_000),
            elasticity: 1.0,
            scale: 1.0,
            adjustment_interval: None,
            target_registrations: None,
            adjustment_alpha: None,
            start_at_reference: true,
        }
    }

    #[test]
    fn reference_burns_span_the_range_log_uniformly() {
        let s = spec();
        assert!((s.reference_burn(0.0) - 1e7).abs() < 1.0);
        assert!((s.reference_burn(1.0) - 2.5e9).abs() < 10.0);
        // The geometric middle.
        assert!((s.reference_burn(0.5) - (1e7f64 * 2.5e9).sqrt()).abs() < 10.0);
    }

    #[test]
    fn at_the_reference_burn_demand_is_the_target() {
        let s = spec();
        let p = s.attempt_probability(1e9, 1_000_000_000, 360, 2);
        assert!((p * 360.0 - 2.0).abs() < 1e-9);
        // Twice the price, half the attempts (elasticity 1).
        let p2 = s.attempt_probability(1e9, 2_000_000_000, 360, 2);
        assert!((p2 * 360.0 - 1.0).abs() < 1e-9);
        // Capped at one a block.
        assert_eq!(s.attempt_probability(1e9, 1, 360, 2), 1.0);
        assert!(s.covers(50) && !s.covers(0) && !s.covers(51));
        assert!(s.active(100) && !s.active(101));
    }
}
