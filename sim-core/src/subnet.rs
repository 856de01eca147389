//! One subnet's state (spec section 11): its pool, moving price, lifecycle flags, pending
//! emission buckets and epoch clock. Neurons, weights and stake join as the mechanics that use
//! them are wired into the block engine.

use crate::schedule::EpochClock;
use crate::units::{Alpha, BlockNumber, NetUid, Tao};

/// Perquintill one (1e18): balancer weights are stored in these parts.
pub const PERQUINTILL: u64 = 1_000_000_000_000_000_000;

/// The pool and alpha accounting of a subnet (spec 6.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubnetPool {
    /// `SubnetTAO`: the pool's TAO reserve (root: all root stake).
    pub tao: Tao,
    /// `SubnetAlphaIn`: the pool's alpha reserve.
    pub alpha_in: Alpha,
    /// `SubnetAlphaOut`: alpha outstanding (stakes, pending, protocol alpha, dust).
    pub alpha_out: Alpha,
    /// `SubnetProtocolAlpha`: bought by chain buys, owned by no staker.
    pub protocol_alpha: Alpha,
    /// Balancer quote weight in Perquintill parts (0.5e18 = constant product).
    pub quote_weight: u64,
    /// `FeeRate` (u16 / 65535).
    pub fee_rate: u16,
}

impl SubnetPool {
    /// Alpha issuance (`get_alpha_issuance`): In + Out; the subnet's alpha halvings follow it.
    pub fn alpha_issuance(&self) -> u64 {
        self.alpha_in.0.saturating_add(self.alpha_out.0)
    }

    /// Spot price for display: (w_base / w_quote) * tao / alpha (0 with no alpha).
    pub fn spot_price_f64(&self) -> f64 {
        if self.alpha_in.0 == 0 || self.quote_weight == 0 {
            return 0.0;
        }
        let wq = self.quote_weight as f64 / PERQUINTILL as f64;
        ((1.0 - wq) / wq) * self.tao.0 as f64 / self.alpha_in.0 as f64
    }
}

/// Emission accumulated between epochs (`PendingServerEmission`, `PendingValidatorEmission`,
/// `PendingRootAlphaDivs`, `PendingOwnerCut`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pending {
    pub server: Alpha,
    pub validator: Alpha,
    pub root: Alpha,
    pub owner_cut: Alpha,
}

/// A subnet.
#[derive(Clone, Debug)]
pub struct Subnet {
    pub netuid: NetUid,
    pub name: String,
    pub pool: SubnetPool,
    /// `SubnetMovingPrice` as I96F32 bits (value = bits / 2^32).
    pub moving_price_bits: i128,
    /// `NetworkRegisteredAt`.
    pub registered_at: BlockNumber,
    /// `FirstEmissionBlockNumber`: set by the owner's start call; no emission before it.
    pub first_emission_block: Option<BlockNumber>,
    /// `SubnetEmissionEnabled`: TAO-side emission (new subnets start disabled since 2026-06-23).
    pub emission_enabled: bool,
    /// `SubnetLocked`: the lock paid at registration.
    pub locked: Tao,
    pub pending: Pending,
    pub clock: EpochClock,
}

impl Subnet {
    pub fn moving_price_f64(&self) -> f64 {
        self.moving_price_bits as f64 / 4_294_967_296.0
    }
}
