//! The moving (EMA) price update run after the coinbase for every subnet of the emit set
//! (spec 2.4), in each of its three historical forms ([`MovingPrice`]).

use crate::fixed_div::CheckedDivFast;
use crate::rules::MovingPrice;
use crate::units::BlockNumber;
use substrate_fixed::types::{I96F32, U64F64};

/// `DefaultMovingAlpha` = I96F32::saturating_from_num(0.000003), stored as bits 12885.
pub const DEFAULT_MOVING_ALPHA: I96F32 = I96F32::from_bits(12_885);

/// The result of one update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MovingPriceUpdate {
    /// The weight given to the spot price this block.
    pub effective_alpha: U64F64,
    pub new_moving_price: I96F32,
}

/// What one update reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MovingPriceInput {
    pub block: BlockNumber,
    /// `FirstEmissionBlockNumber` (the ramp counts from the start call, the block before it).
    pub first_emission_block: Option<BlockNumber>,
    /// `EMAPriceHalvingBlocks`.
    pub halving_blocks: u64,
    /// `SubnetMovingAlpha`.
    pub moving_alpha: I96F32,
    /// The stored `SubnetMovingPrice`.
    pub moving_price: I96F32,
    /// The spot price after this block's coinbase (U64F64).
    pub spot_price: U64F64,
}

/// Mirrors `stake_utils.rs::update_moving_price` in the form `rule` names:
/// * [`MovingPrice::CappedRamped`] (since 2025-04-04): U64F64, spot capped at 1, α ramped by
///   b/(b + h) with b the blocks since the start call;
/// * [`MovingPrice::Capped`] (2025-02-13 hotfix) and [`MovingPrice::Plain`] (launch): α fixed,
///   computed in I96F32 as `α·spot + (1 - α)·p̄`, the spot capped at 1 or not.
pub fn update_moving_price(rule: MovingPrice, input: MovingPriceInput) -> MovingPriceUpdate {
    match rule {
        MovingPrice::CappedRamped => {
            let start_call = input
                .first_emission_block
                .unwrap_or_default()
                .saturating_sub(1);
            let b = U64F64::saturating_from_num(input.block.saturating_sub(start_call));
            let ramp = b
                .checked_div_fast(
                    b.saturating_add(U64F64::saturating_from_num(input.halving_blocks)),
                )
                .unwrap_or(U64F64::from_num(0));
            let alpha = U64F64::saturating_from_num(input.moving_alpha).saturating_mul(ramp);
            let one_minus_alpha = U64F64::from_num(1).saturating_sub(alpha);
            let spot = alpha.saturating_mul(input.spot_price.min(U64F64::from_num(1)));
            let old =
                one_minus_alpha.saturating_mul(U64F64::saturating_from_num(input.moving_price));
            MovingPriceUpdate {
                effective_alpha: alpha,
                new_moving_price: I96F32::saturating_from_num(spot.saturating_add(old)),
            }
        }
        MovingPrice::Capped | MovingPrice::Plain => {
            let alpha = input.moving_alpha;
            let mut spot = I96F32::saturating_from_num(input.spot_price);
            if rule == MovingPrice::Capped {
                spot = spot.min(I96F32::from_num(1));
            }
            let new = alpha.saturating_mul(spot).saturating_add(
                I96F32::from_num(1)
                    .saturating_sub(alpha)
                    .saturating_mul(input.moving_price),
            );
            MovingPriceUpdate {
                effective_alpha: U64F64::saturating_from_num(alpha),
                new_moving_price: new,
            }
        }
    }
}
