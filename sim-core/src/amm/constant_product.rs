//! The dTAO-launch constant-product pool (2025-02-13 to 2025-06-30).
//!
//! Mirrors `stake_utils.rs` at `e2b8367b8`: `sim_swap_tao_for_alpha` / `sim_swap_alpha_for_tao`
//! (I110F18 arithmetic, swap refused when the new output-side reserve would fall below
//! `DefaultMinimumPoolLiquidity` = 10,000,000 rao), `swap_tao_for_alpha` / `swap_alpha_for_tao`
//! (reserve updates) and `get_alpha_price` (I96F32). No swap fee is taken inside the swap: the
//! era's flat staking fee is a separate step ([`launch_fee_split`], [`Pool::keep_staking_fee`]),
//! applied by the staking code around the swap as `stake_into_subnet` / `unstake_from_subnet` do.

use super::{Pool, Side};
use crate::units::{Alpha, Tao};
use substrate_fixed::types::{I110F18, I96F32};

/// The launch era's flat fee per stake or unstake, in rao (`DefaultStakingFee`). It stays in the
/// pool: it is added to `SubnetTAO`.
pub const LAUNCH_STAKING_FEE: Tao = Tao(50_000);
/// The output-side reserve a launch-era swap may not go below, in rao
/// (`DefaultMinimumPoolLiquidity`).
pub const LAUNCH_MIN_POOL_LIQUIDITY: u64 = 10_000_000;

/// Spot price `SubnetTAO / SubnetAlphaIn` in I96F32, 0 when the alpha reserve is 0
/// (`get_alpha_price`, dynamic subnets; root and stable subnets are priced 1 by the caller).
pub fn launch_price(tao_reserve: Tao, alpha_reserve: Alpha) -> I96F32 {
    if alpha_reserve.is_zero() {
        return I96F32::from_bits(0);
    }
    I96F32::saturating_from_num(tao_reserve.0)
        .checked_div(I96F32::saturating_from_num(alpha_reserve.0))
        .unwrap_or(I96F32::from_bits(0))
}

/// The launch-era swap output, or `None` when refused (`sim_swap_tao_for_alpha` for a buy,
/// `sim_swap_alpha_for_tao` for a sell): with k = x*y in I110F18 (saturating), the new output
/// reserve is `k / (input_reserve + amount)`; the output is the old reserve minus that, floored,
/// provided the new reserve is at least 10,000,000 rao.
pub fn launch_swap_output(
    tao_reserve: Tao,
    alpha_reserve: Alpha,
    side: Side,
    amount: u64,
) -> Option<u64> {
    let tao = I110F18::saturating_from_num(tao_reserve.0);
    let alpha = I110F18::saturating_from_num(alpha_reserve.0);
    let k = alpha.saturating_mul(tao);
    let (reserve_in, reserve_out) = match side {
        Side::Buy => (tao, alpha),
        Side::Sell => (alpha, tao),
    };
    // Division by zero (both the reserve and the amount zero) gives 0, which is then refused.
    let new_out = k
        .checked_div(reserve_in.saturating_add(I110F18::saturating_from_num(amount)))
        .unwrap_or(I110F18::from_bits(0));
    if new_out >= I110F18::saturating_from_num(LAUNCH_MIN_POOL_LIQUIDITY) {
        Some(
            reserve_out
                .saturating_sub(new_out)
                .saturating_to_num::<u64>(),
        )
    } else {
        None
    }
}

/// The launch-era flat fee split of a stake or unstake amount (`stake_into_subnet` /
/// `unstake_from_subnet`): `(amount - fee, fee actually taken)`, both saturating, so an amount
/// below the fee is taken whole. For a stake the amount is the TAO sent and the net is swapped;
/// for an unstake the amount is the TAO the swap paid out and the net goes to the coldkey.
/// Either way the caller then adds the fee taken to `SubnetTAO` with [`Pool::keep_staking_fee`];
/// on a stake this happens even when the swap was refused.
pub fn launch_fee_split(amount: Tao, fee: Tao) -> (Tao, Tao) {
    let net = amount.saturating_sub(fee);
    (net, amount.saturating_sub(net))
}

impl Pool {
    /// Spot price the launch-era way (I96F32 `y / x`), for pools under the constant-product rule.
    pub fn launch_price(&self) -> I96F32 {
        launch_price(self.tao_reserve, self.alpha_reserve)
    }

    /// A launch-era swap, reserves updated as `swap_tao_for_alpha` (`tao += amount`,
    /// `alpha -= out`) or `swap_alpha_for_tao` (`alpha += amount`, `tao -= out`). A refused swap
    /// returns `None` and changes nothing (the chain returns 0 and changes nothing). The weight
    /// and fee rate are not used.
    pub fn launch_swap(&mut self, side: Side, amount: u64) -> Option<u64> {
        let out = launch_swap_output(self.tao_reserve, self.alpha_reserve, side, amount)?;
        match side {
            Side::Buy => {
                self.tao_reserve = self.tao_reserve.saturating_add(Tao(amount));
                self.alpha_reserve = self.alpha_reserve.saturating_sub(Alpha(out));
            }
            Side::Sell => {
                self.alpha_reserve = self.alpha_reserve.saturating_add(Alpha(amount));
                self.tao_reserve = self.tao_reserve.saturating_sub(Tao(out));
            }
        }
        Some(out)
    }

    /// Adds a staking fee to the TAO reserve: the launch era kept its flat fee in the pool
    /// (`SubnetTAO += actual_fee`). Also how the v3-era model keeps swap fees in the pool before
    /// fees went to block authors (docs/decisions/0004-v3-era-as-constant-product.md).
    pub fn keep_staking_fee(&mut self, fee: Tao) {
        self.tao_reserve = self.tao_reserve.saturating_add(fee);
    }

    /// Adds a swap fee to the input-side reserve, as the v3-era model does while swap fees were
    /// compounded into the protocol position (until ~2026-02/03; see the decision record):
    /// a buy's fee (TAO) to `tao_reserve`, a sell's fee (alpha) to `alpha_reserve`.
    pub fn compound_fee(&mut self, side: Side, fee: u64) {
        match side {
            Side::Buy => self.tao_reserve = self.tao_reserve.saturating_add(Tao(fee)),
            Side::Sell => self.alpha_reserve = self.alpha_reserve.saturating_add(Alpha(fee)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amm::QuoteWeight;

    #[test]
    fn refused_when_the_output_reserve_would_drop_below_the_floor() {
        // 20e6 alpha, 20e6 TAO: buying 20e6 TAO leaves 10e6 alpha (allowed), a rao more is refused.
        assert_eq!(
            launch_swap_output(Tao(20_000_000), Alpha(20_000_000), Side::Buy, 20_000_000),
            Some(10_000_000)
        );
        assert_eq!(
            launch_swap_output(Tao(20_000_000), Alpha(20_000_000), Side::Buy, 20_000_001),
            None
        );
    }

    #[test]
    fn refused_swap_changes_nothing() {
        let mut pool = Pool::new(Tao(20_000_000), Alpha(20_000_000), QuoteWeight::HALF);
        let before = pool;
        assert_eq!(pool.launch_swap(Side::Sell, 1_000_000_000), None);
        assert_eq!(pool, before);
    }

    #[test]
    fn fee_split_takes_at_most_the_amount() {
        assert_eq!(
            launch_fee_split(Tao(1_000_000), LAUNCH_STAKING_FEE),
            (Tao(950_000), Tao(50_000))
        );
        assert_eq!(
            launch_fee_split(Tao(30_000), LAUNCH_STAKING_FEE),
            (Tao(0), Tao(30_000))
        );
    }
}
