//! The staking extrinsics as engine operations on [`Network`] (spec 6.1-6.5, 2.10, 2.11).
//!
//! * [`add_stake`] and [`add_stake_limit`] mirror `do_add_stake`, `do_add_stake_limit` and
//!   `stake_into_subnet` (`staking/add_stake.rs`, `staking/stake_utils.rs`);
//! * [`remove_stake`] and [`remove_stake_limit`] mirror `do_remove_stake`,
//!   `do_remove_stake_limit` and `unstake_from_subnet` (`staking/remove_stake.rs`);
//! * [`move_stake`] mirrors `do_move_stake` -> `transition_stake_internal`
//!   (`staking/move_stake.rs`);
//! * [`unstake_all`] mirrors `do_unstake_all`.
//!
//! Each era is mirrored from its own code. [`Amm::ConstantProductFlatFee`] follows the dTAO
//! launch (`e2b8367b8`): a flat 50,000-rao fee on every stake and unstake (root included) kept in
//! `SubnetTAO`, the constant-product swap with its 10,000,000-rao floor, the launch validations
//! and the launch move (sell then buy with half the fee on each side, even within one subnet).
//! The swap-pallet eras ([`Amm::ConstantProductFeeRate`], [`Amm::Balancer`]) follow HEAD
//! (`14bc6f9f9`): fee on the swap input, limit prices, and the fee's destination by era
//! ([`FeeSink`]).
//!
//! Every operation checks first and mutates after: it computes the whole outcome on copies of
//! the pools (a [`Pool`] is `Copy`) and read-only share-pool queries, and only then writes. An
//! error therefore leaves the network untouched, as the chain's transactional extrinsics do.
//!
//! TAO conservation: TAO leaves a free balance only into a pool, a subnet account
//! (`account_surplus`), the unmodelled block author, or a recorded recycle; alpha leaves a share
//! pool only into the pool reserve (with `alpha_out` reduced) or into `alpha_dust`.
//!
//! `RootClaimed` is not part of the engine state yet: root stake changes are reported in
//! [`Receipt::root_changes`] and [`RootClaimedBook::apply`] adjusts the watermarks.
//!
//! Preconditions: coldkey ids are ids of `net.ledger` (the ledger offers no bounds check, so an
//! unknown id panics there).

use super::root_claim::{add_stake_adjust_root_claimed, remove_stake_adjust_root_claimed};
use crate::amm::{
    fee_amount, launch_fee_split, launch_price, launch_swap_output, Pool, Side, SwapError,
    SwapResult, LAUNCH_STAKING_FEE, MAX_PRICE_LIMIT, MAX_SWAP_INPUT_RESERVE_MULTIPLIER,
    MIN_PRICE_LIMIT,
};
use crate::ledger::{Holder, RecycleReason};
use crate::network::Network;
use crate::neurons::HotkeyId;
use crate::params::Params;
use crate::rules::{Amm, FeeDestination, Rules};
use crate::subnet::{Mechanism, Subnet};
use crate::units::{Alpha, ColdkeyId, NetUid, Tao, RAO_PER_TAO};
use std::collections::BTreeMap;
use substrate_fixed::types::{I96F32, U64F64};
use thiserror::Error;

/// Why a staking operation was refused. Nothing changed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum StakeError {
    /// `SubnetNotExists`: the subnet is not modelled.
    #[error("subnet {0} does not exist")]
    UnknownSubnet(NetUid),
    /// `HotKeyAccountNotExists`.
    #[error("hotkey #{} does not exist", .0.0)]
    UnknownHotkey(HotkeyId),
    /// `SubtokenDisabled`: no start call yet (`ensure_subtoken_enabled`).
    #[error("subnet {0} has its subtoken disabled (no start call yet)")]
    SubtokenDisabled(NetUid),
    /// `AmountTooLow`: below `DefaultMinStake` (plus the fee where the chain adds it), or zero.
    #[error("amount too low: {amount} rao where at least {minimum} rao is required")]
    AmountTooLow { amount: u64, minimum: u64 },
    /// `NotEnoughBalanceToStake`.
    #[error("not enough free balance: holds {available}, needs {requested}")]
    InsufficientBalance { available: Tao, requested: Tao },
    /// `NotEnoughStakeToWithdraw`.
    #[error("not enough stake: holds {available} alpha rao, asked for {requested}")]
    NotEnoughStake { available: u64, requested: u64 },
    /// `SlippageTooHigh`: a fill-or-kill order above what the limit price allows.
    #[error("slippage too high: {requested} requested, the price limit allows {allowed}")]
    SlippageTooHigh { requested: u64, allowed: u64 },
    /// The limit price is not beyond the current price, so nothing can execute
    /// (`get_max_amount_add` / `get_max_amount_remove` propagate `PriceLimitExceeded`).
    #[error("price limit {limit_price} rao/alpha is not beyond the current price")]
    PriceLimit { limit_price: u64 },
    /// The pool refused the swap (swap pallet errors; the chain's `InsufficientLiquidity` when
    /// found in validation).
    #[error("the pool refused the swap: {0}")]
    Swap(#[from] SwapError),
    /// Launch era: the constant-product pool would fall below 10,000,000 rao on the output side
    /// (`sim_swap_*` returned `None`; the chain's `InsufficientLiquidity`).
    #[error("the launch pool refused the swap: output reserve would fall below 10,000,000 rao")]
    LaunchPoolRefused,
    /// The root (stable) pool holds less TAO than the stake to pay out.
    #[error("the stable pool holds {available} TAO rao, cannot pay out {requested}")]
    StablePoolShort { available: u64, requested: u64 },
    /// The buy would pay out no alpha (`AmountTooLow` / `InsufficientLiquidity` on the chain).
    #[error("the swap would pay out no alpha")]
    ZeroAlpha,
    /// The hotkey's share pool cannot mint a share for the alpha bought
    /// (`try_increase_stake_for_hotkey_and_coldkey_on_subnet`; `InsufficientLiquidity`).
    #[error("the hotkey's share pool cannot mint shares for {0} alpha rao")]
    NoSharesMinted(u64),
    /// `SameNetuid`: a move to the position it comes from.
    #[error("origin and destination are the same position")]
    SamePosition,
    /// Launch era (`NonAssociatedColdKey`): only the owner of the origin hotkey could move stake.
    #[error("the coldkey does not own the origin hotkey (launch-era move rule)")]
    NotHotkeyOwner,
}

/// Where the era puts staking fees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FeeSink {
    /// Kept in the pool: the launch flat fee (added to `SubnetTAO`), and the v3-era swap fee
    /// compounded into the protocol position (docs/decisions/0004).
    #[default]
    Pool,
    /// Paid to the block author, who is not modelled: credited to [`Holder::Unmodelled`].
    BlockAuthor,
    /// Destroyed: recycled out of total issuance ([`RecycleReason::Fees`]).
    Recycled,
}

/// How a root stake changed, for the `RootClaimed` watermarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootDelta {
    /// `add_stake_adjust_root_claimed_for_hotkey_and_coldkey(amount)`.
    Added(u64),
    /// `remove_stake_adjust_root_claimed_for_hotkey_and_coldkey(amount)`.
    Removed(u64),
}

/// One root stake change of one (hotkey, coldkey).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RootStakeChange {
    pub hotkey: HotkeyId,
    pub coldkey: ColdkeyId,
    pub delta: RootDelta,
}

/// What an operation did. Amounts are rao; fields an operation does not touch stay zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Receipt {
    /// TAO taken from the coldkey's free balance.
    pub tao_paid: Tao,
    /// TAO credited to the coldkey's free balance.
    pub tao_received: Tao,
    /// Alpha credited to the destination position.
    pub alpha_staked: Alpha,
    /// Alpha taken from the origin position(s), net of any refund.
    pub alpha_unstaked: Alpha,
    /// [`move_stake`]: the TAO the origin sell produced (the chain's return value), or the TAO
    /// equivalent of a move within one subnet.
    pub tao_moved: Tao,
    /// Fees valued in TAO: the launch flat fee, the TAO fee of a buy, and what a sell's alpha
    /// fee fetched when it was sold for the author (or to be recycled).
    pub fee_tao: Tao,
    /// Fees charged in alpha on sells.
    pub fee_alpha: Alpha,
    /// Where the fees went.
    pub fee_sink: FeeSink,
    /// A limit price bound, so only part of the amount executed.
    pub hit_limit: bool,
    /// TAO left in a subnet account outside `SubnetTAO` (`account_surplus`): the part of a
    /// limit buy the swap did not use.
    pub tao_to_subnet_account: Tao,
    /// Launch era: TAO that left a pool and reached no account (the chain lost it); recycled
    /// here as [`RecycleReason::Fees`] so issuance still matches holdings.
    pub tao_destroyed: Tao,
    /// Launch era: alpha taken from a position whose sell the pool refused; it stays
    /// outstanding, held by nobody (`alpha_dust`).
    pub alpha_orphaned: Alpha,
    /// Positions sold or bought ([`unstake_all`]: subnets sold on).
    pub legs: u16,
    /// Root stake changes; apply them to `RootClaimed` with [`RootClaimedBook::apply`].
    pub root_changes: [Option<RootStakeChange>; 2],
}

impl Receipt {
    fn new(rules: &Rules) -> Self {
        Self {
            fee_sink: fee_mode(rules).sink(),
            ..Self::default()
        }
    }

    fn push_root_change(&mut self, change: RootStakeChange) {
        if let Some(slot) = self.root_changes.iter_mut().find(|s| s.is_none()) {
            *slot = Some(change);
        }
    }
}

/// `RootClaimed[(netuid, hotkey, coldkey)]`: the root-dividend watermarks (spec 2.10), kept
/// beside the network until the engine state holds them.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RootClaimedBook {
    #[serde(with = "crate::state::pairs")]
    by_position: BTreeMap<(HotkeyId, ColdkeyId), BTreeMap<NetUid, u128>>,
}

impl RootClaimedBook {
    /// The watermarks of one (hotkey, coldkey), netuid -> claimed.
    pub fn watermarks(
        &self,
        hotkey: HotkeyId,
        coldkey: ColdkeyId,
    ) -> Option<&BTreeMap<NetUid, u128>> {
        self.by_position.get(&(hotkey, coldkey))
    }

    /// The watermarks of one (hotkey, coldkey), created empty; for claims
    /// ([`super::root_claim::ClaimAccounts::root_claimed`]).
    pub fn watermarks_mut(
        &mut self,
        hotkey: HotkeyId,
        coldkey: ColdkeyId,
    ) -> &mut BTreeMap<NetUid, u128> {
        self.by_position.entry((hotkey, coldkey)).or_default()
    }

    /// Adjusts the watermarks for the root stake changes of a receipt, as `stake_into_subnet`,
    /// `unstake_from_subnet` and `transfer_stake_within_subnet` do on root: `+rate · amount` on
    /// every subnet of the hotkey's `RootClaimable` map when staked, `-rate · amount` (root
    /// excluded) when unstaked. Apply each receipt once.
    pub fn apply(&mut self, net: &Network, receipt: &Receipt) {
        for change in receipt.root_changes.iter().flatten() {
            let rates = root_claimable_of(net, change.hotkey);
            let claimed = self.watermarks_mut(change.hotkey, change.coldkey);
            match change.delta {
                RootDelta::Added(a) => add_stake_adjust_root_claimed(&rates, claimed, a),
                RootDelta::Removed(a) => remove_stake_adjust_root_claimed(&rates, claimed, a),
            }
        }
    }
}

/// `RootClaimable[hotkey]` gathered from the subnets: netuid -> rate.
pub fn root_claimable_of(net: &Network, hotkey: HotkeyId) -> BTreeMap<NetUid, I96F32> {
    net.subnets
        .iter()
        .filter_map(|s| s.root_claimable.get(&hotkey).map(|r| (s.netuid, *r)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Eras.

/// How the era's staking code treats fees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FeeMode {
    /// dTAO launch: flat `DefaultStakingFee` kept in `SubnetTAO`.
    LaunchFlat,
    /// v3 era before fees went to authors: the swap fee compounded into the pool.
    Compound,
    /// Swap fee to the (unmodelled) block author.
    Author,
    /// Swap fee recycled out of issuance.
    Recycle,
}

impl FeeMode {
    fn sink(self) -> FeeSink {
        match self {
            FeeMode::LaunchFlat | FeeMode::Compound => FeeSink::Pool,
            FeeMode::Author => FeeSink::BlockAuthor,
            FeeMode::Recycle => FeeSink::Recycled,
        }
    }
    fn is_launch(self) -> bool {
        self == FeeMode::LaunchFlat
    }
}

fn fee_mode(rules: &Rules) -> FeeMode {
    match (rules.amm, rules.fee_destination) {
        (Amm::ConstantProductFlatFee, _) => FeeMode::LaunchFlat,
        (Amm::ConstantProductFeeRate, FeeDestination::Recycled) => FeeMode::Compound,
        (Amm::ConstantProductFeeRate | Amm::Balancer, FeeDestination::BlockAuthor) => {
            FeeMode::Author
        }
        (Amm::Balancer, FeeDestination::Recycled) => FeeMode::Recycle,
    }
}

// ---------------------------------------------------------------------------------------------
// Lookups.

fn subnet_index(net: &Network, netuid: NetUid) -> Result<usize, StakeError> {
    net.subnets
        .iter()
        .position(|s| s.netuid == netuid)
        .ok_or(StakeError::UnknownSubnet(netuid))
}

fn ensure_hotkey(net: &Network, hotkey: HotkeyId) -> Result<(), StakeError> {
    if (hotkey.0 as usize) < net.hotkeys.len() {
        Ok(())
    } else {
        Err(StakeError::UnknownHotkey(hotkey))
    }
}

fn ensure_subtoken(s: &Subnet) -> Result<(), StakeError> {
    if s.subtoken_enabled {
        Ok(())
    } else {
        Err(StakeError::SubtokenDisabled(s.netuid))
    }
}

fn ensure_balance(net: &Network, coldkey: ColdkeyId, amount: u64) -> Result<(), StakeError> {
    let available = net.ledger.free_balance(coldkey);
    if available.0 >= amount {
        Ok(())
    } else {
        Err(StakeError::InsufficientBalance {
            available,
            requested: Tao(amount),
        })
    }
}

/// `get_stake_for_hotkey_and_coldkey_on_subnet`.
fn stake_of(s: &Subnet, hotkey: HotkeyId, coldkey: ColdkeyId) -> u64 {
    s.pools.get(&hotkey).map_or(0, |p| p.stake_of(&coldkey))
}

/// `try_increase_stake_for_hotkey_and_coldkey_on_subnet`: an absent pool always mints.
fn would_mint(s: &Subnet, hotkey: HotkeyId, alpha: u64) -> bool {
    s.pools
        .get(&hotkey)
        .is_none_or(|p| p.would_mint_shares(alpha))
}

// ---------------------------------------------------------------------------------------------
// Quotes (the chain's `sim_swap`, validation only).

/// `SwapHandler::sim_swap`: dynamic subnets swap in simulation at the default limit with fees;
/// stable subnets return the amount 1:1 with no fee.
fn quote(s: &Subnet, side: Side, amount: u64) -> Result<SwapResult, SwapError> {
    match s.mechanism {
        Mechanism::Stable => Ok(SwapResult {
            amount_paid_in: amount,
            amount_paid_out: amount,
            ..SwapResult::default()
        }),
        Mechanism::Dynamic => s
            .pool
            .quote(side, amount, side.default_price_limit(), false),
    }
}

/// `sim_swap_tao_for_alpha` / `sim_swap_alpha_for_tao` at launch: `None` when refused.
fn launch_quote(s: &Subnet, side: Side, amount: u64) -> Option<u64> {
    match s.mechanism {
        Mechanism::Stable => Some(amount),
        Mechanism::Dynamic => {
            launch_swap_output(s.pool.tao_reserve, s.pool.alpha_reserve, side, amount)
        }
    }
}

/// `get_max_amount_add` (HEAD): the TAO that can be staked before the price reaches the limit.
fn max_amount_add(s: &Subnet, limit_price: u64) -> Result<u64, StakeError> {
    if s.mechanism == Mechanism::Stable {
        return Ok(if limit_price >= RAO_PER_TAO {
            u64::MAX
        } else {
            0
        });
    }
    let probe = s
        .pool
        .tao_reserve
        .0
        .saturating_mul(MAX_SWAP_INPUT_RESERVE_MULTIPLIER);
    let r = s
        .pool
        .quote(Side::Buy, probe, limit_price, false)
        .map_err(|e| limit_error(e, limit_price))?;
    Ok(r.amount_paid_in.saturating_add(r.fee_paid))
}

/// `get_max_amount_remove` (HEAD): the alpha that can be sold before the price reaches the limit.
fn max_amount_remove(s: &Subnet, limit_price: u64) -> Result<u64, StakeError> {
    if s.mechanism == Mechanism::Stable {
        return Ok(if limit_price <= RAO_PER_TAO {
            u64::MAX
        } else {
            0
        });
    }
    let probe = s
        .pool
        .alpha_reserve
        .0
        .saturating_mul(MAX_SWAP_INPUT_RESERVE_MULTIPLIER);
    let r = s
        .pool
        .quote(Side::Sell, probe, limit_price, false)
        .map_err(|e| limit_error(e, limit_price))?;
    Ok(r.amount_paid_in.saturating_add(r.fee_paid))
}

fn limit_error(e: SwapError, limit_price: u64) -> StakeError {
    match e {
        SwapError::PriceLimitExceeded => StakeError::PriceLimit { limit_price },
        other => StakeError::Swap(other),
    }
}

fn clamp_u128(v: u128) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}

/// `get_max_amount_add` at launch: `limit · SubnetAlphaIn / 1e9 − SubnetTAO`, 0 when the limit
/// is below the price's integer part (the chain truncates the I96F32 price to an integer).
fn launch_max_amount_add(s: &Subnet, limit_price: u64) -> u64 {
    if s.mechanism == Mechanism::Stable {
        return if limit_price >= RAO_PER_TAO {
            u64::MAX
        } else {
            0
        };
    }
    let (tao, alpha) = (s.pool.tao_reserve.0, s.pool.alpha_reserve.0);
    if alpha == 0 || tao == 0 {
        return 0;
    }
    let whole_price =
        launch_price(s.pool.tao_reserve, s.pool.alpha_reserve).saturating_to_num::<u128>();
    let limit = u128::from(limit_price);
    if limit < whole_price.saturating_mul(u128::from(RAO_PER_TAO)) || limit_price == 0 {
        return 0;
    }
    clamp_u128(
        limit
            .saturating_mul(u128::from(alpha))
            .checked_div(u128::from(RAO_PER_TAO))
            .unwrap_or(0)
            .saturating_sub(u128::from(tao)),
    )
}

/// `get_max_amount_remove` at launch: `SubnetTAO · 1e9 / limit − SubnetAlphaIn`, 0 when the limit
/// is at or above the price.
fn launch_max_amount_remove(s: &Subnet, limit_price: u64) -> u64 {
    if s.mechanism == Mechanism::Stable {
        return if limit_price <= RAO_PER_TAO {
            u64::MAX
        } else {
            0
        };
    }
    let (tao, alpha) = (
        u128::from(s.pool.tao_reserve.0),
        u128::from(s.pool.alpha_reserve.0),
    );
    if alpha == 0 || tao == 0 {
        return 0;
    }
    if limit_price == 0 {
        return u64::MAX;
    }
    let limit = u128::from(limit_price);
    let scaled = tao.saturating_mul(u128::from(RAO_PER_TAO));
    if limit >= scaled.checked_div(alpha).unwrap_or(0) {
        return 0;
    }
    clamp_u128(scaled.checked_div(limit).unwrap_or(0).saturating_sub(alpha))
}

// ---------------------------------------------------------------------------------------------
// Plans: a swap's whole effect computed on a copy of the pool.

/// The effect of buying alpha with TAO on one subnet (`stake_into_subnet` minus the ledger).
#[derive(Clone, Copy, Debug)]
struct BuyPlan {
    pool_after: Pool,
    /// Alpha bought (`SubnetAlphaOut +=`, credited to the position when non-zero).
    alpha: u64,
    /// TAO recorded as user inflow (`amount_paid_in`).
    inflow: u64,
    /// Fee charged, in TAO.
    fee: u64,
    /// TAO to the author or to recycle.
    fee_out: u64,
    /// TAO kept in the subnet account outside `SubnetTAO`.
    leftover: u64,
    /// Launch: TAO whose swap the pool refused (lost on chain).
    destroyed: u64,
    hit_limit: bool,
}

/// The effect of selling a position's alpha on one subnet (`unstake_from_subnet` minus the
/// ledger credit).
#[derive(Clone, Copy, Debug)]
struct SellPlan {
    pool_after: Pool,
    /// Alpha taken from the position.
    alpha: u64,
    /// Alpha restaked to the position (the part a limit left unsold).
    refund: u64,
    /// `SubnetAlphaOut` decrease.
    alpha_out_decrease: u64,
    /// Alpha left outstanding and held by nobody.
    dust: u64,
    /// TAO for the coldkey.
    tao_out: u64,
    /// Fee valued in TAO (launch flat fee; TAO a sold alpha fee fetched).
    fee_tao: u64,
    /// Fee charged in alpha.
    fee_alpha: u64,
    /// TAO to the author or to recycle.
    fee_out: u64,
    /// TAO recorded as user outflow.
    outflow: u64,
    hit_limit: bool,
}

impl BuyPlan {
    fn empty(pool_after: Pool) -> Self {
        Self {
            pool_after,
            alpha: 0,
            inflow: 0,
            fee: 0,
            fee_out: 0,
            leftover: 0,
            destroyed: 0,
            hit_limit: false,
        }
    }
}

impl SellPlan {
    fn empty(pool_after: Pool) -> Self {
        Self {
            pool_after,
            alpha: 0,
            refund: 0,
            alpha_out_decrease: 0,
            dust: 0,
            tao_out: 0,
            fee_tao: 0,
            fee_alpha: 0,
            fee_out: 0,
            outflow: 0,
            hit_limit: false,
        }
    }
}

/// Stable (root) buy: 1:1 (`swap_tao_for_alpha`, mechanism 0): `SubnetTAO += tao`,
/// `SubnetAlphaIn -= tao` (saturating).
fn stable_buy(pool: &mut Pool, tao: u64) {
    pool.tao_reserve = pool.tao_reserve.saturating_add(Tao(tao));
    pool.alpha_reserve = pool.alpha_reserve.saturating_sub(Alpha(tao));
}

/// Stable (root) sell: 1:1 (`swap_alpha_for_tao`, mechanism 0): `SubnetAlphaIn += alpha`,
/// `SubnetTAO -= alpha`. Refused when `SubnetTAO` cannot cover it (the chain saturates, which
/// would create TAO).
fn stable_sell(pool: &mut Pool, alpha: u64) -> Result<(), StakeError> {
    if pool.tao_reserve.0 < alpha {
        return Err(StakeError::StablePoolShort {
            available: pool.tao_reserve.0,
            requested: alpha,
        });
    }
    pool.alpha_reserve = pool.alpha_reserve.saturating_add(Alpha(alpha));
    pool.tao_reserve = pool.tao_reserve.saturating_sub(Tao(alpha));
    Ok(())
}

/// HEAD `stake_into_subnet` after the transfer: `swap_tao_for_alpha(tao, limit, drop_fees)`,
/// the zero-output check, the fee to its destination, the unused rest left in the account.
fn plan_buy(
    pool: Pool,
    mechanism: Mechanism,
    mode: FeeMode,
    tao: u64,
    limit: u64,
    drop_fees: bool,
) -> Result<BuyPlan, StakeError> {
    let mut p = pool;
    let plan = match mechanism {
        Mechanism::Stable => {
            stable_buy(&mut p, tao);
            BuyPlan {
                alpha: tao,
                inflow: tao,
                ..BuyPlan::empty(pool)
            }
        }
        Mechanism::Dynamic => {
            let b = p.buy(Tao(tao), limit, drop_fees)?;
            let to_author = b.fee_to_block_author.0;
            let fee_out = if mode == FeeMode::Compound {
                p.compound_fee(Side::Buy, to_author);
                0
            } else {
                to_author
            };
            BuyPlan {
                alpha: b.alpha_out.0,
                inflow: b.tao_in.0,
                fee: b.fee.0,
                fee_out,
                leftover: tao.saturating_sub(b.tao_in.0).saturating_sub(to_author),
                hit_limit: b.hit_limit,
                ..BuyPlan::empty(pool)
            }
        }
    };
    if plan.alpha == 0 {
        return Err(StakeError::ZeroAlpha);
    }
    Ok(BuyPlan {
        pool_after: p,
        ..plan
    })
}

/// Launch `stake_into_subnet(tao, fee)`: the flat fee split off and kept in `SubnetTAO`, the rest
/// swapped on the constant-product curve; a refused swap loses the rest (the chain returned 0
/// alpha without moving the TAO anywhere).
fn plan_buy_launch(pool: Pool, mechanism: Mechanism, tao: u64, fee: Tao) -> BuyPlan {
    let mut p = pool;
    let (net, actual_fee) = launch_fee_split(Tao(tao), fee);
    let out = match mechanism {
        Mechanism::Stable => {
            stable_buy(&mut p, net.0);
            Some(net.0)
        }
        Mechanism::Dynamic => p.launch_swap(Side::Buy, net.0),
    };
    p.keep_staking_fee(actual_fee);
    let mut plan = BuyPlan {
        fee: actual_fee.0,
        ..BuyPlan::empty(pool)
    };
    match out {
        Some(alpha) => {
            plan.alpha = alpha;
            plan.inflow = net.0;
        }
        None => plan.destroyed = net.0,
    }
    BuyPlan {
        pool_after: p,
        ..plan
    }
}

/// HEAD `unstake_from_subnet` minus the credit: `swap_alpha_for_tao(alpha, limit, drop_fees)`,
/// the unsold rest refunded, then the alpha fee: sold fee-less at the minimum price for the
/// author (or to recycle), or compounded into the pool in the v3 model.
fn plan_sell(
    pool: Pool,
    mechanism: Mechanism,
    mode: FeeMode,
    alpha: u64,
    limit: u64,
    drop_fees: bool,
) -> Result<SellPlan, StakeError> {
    let mut p = pool;
    if mechanism == Mechanism::Stable {
        stable_sell(&mut p, alpha)?;
        return Ok(SellPlan {
            pool_after: p,
            alpha,
            alpha_out_decrease: alpha,
            tao_out: alpha,
            outflow: alpha,
            ..SellPlan::empty(pool)
        });
    }
    let sold = p.sell(Alpha(alpha), limit, drop_fees)?;
    let to_author = sold.fee_to_block_author.0;
    let mut plan = SellPlan {
        alpha,
        refund: alpha.saturating_sub(sold.alpha_in.0.saturating_add(sold.fee.0)),
        alpha_out_decrease: sold.alpha_in.0,
        // A fee charged but not handed to the author stays outstanding, held by nobody.
        dust: sold.fee.0.saturating_sub(to_author),
        tao_out: sold.tao_out.0,
        fee_alpha: sold.fee.0,
        hit_limit: sold.hit_limit,
        ..SellPlan::empty(pool)
    };
    if mode == FeeMode::Compound {
        p.compound_fee(Side::Sell, to_author);
        plan.alpha_out_decrease = plan.alpha_out_decrease.saturating_add(to_author);
    } else {
        let fee_sale = p.sell(Alpha(to_author), MIN_PRICE_LIMIT, true)?;
        plan.alpha_out_decrease = plan.alpha_out_decrease.saturating_add(fee_sale.alpha_in.0);
        plan.dust = plan
            .dust
            .saturating_add(to_author.saturating_sub(fee_sale.alpha_in.0));
        plan.fee_tao = fee_sale.tao_out.0;
        plan.fee_out = fee_sale.tao_out.0;
    }
    plan.outflow = plan.tao_out.saturating_add(plan.fee_out);
    plan.pool_after = p;
    Ok(plan)
}

/// Launch `unstake_from_subnet(alpha, fee)`: sell on the constant-product curve, the flat fee
/// taken from the TAO and kept in `SubnetTAO`. A refused sell pays nothing while the position
/// still loses the alpha (it stays outstanding, held by nobody).
fn plan_sell_launch(
    pool: Pool,
    mechanism: Mechanism,
    alpha: u64,
    fee: Tao,
) -> Result<SellPlan, StakeError> {
    let mut p = pool;
    let out = match mechanism {
        Mechanism::Stable => {
            stable_sell(&mut p, alpha)?;
            Some(alpha)
        }
        Mechanism::Dynamic => p.launch_swap(Side::Sell, alpha),
    };
    let mut plan = SellPlan {
        alpha,
        ..SellPlan::empty(pool)
    };
    match out {
        Some(tao) => {
            let (net, actual_fee) = launch_fee_split(Tao(tao), fee);
            p.keep_staking_fee(actual_fee);
            plan.alpha_out_decrease = alpha;
            plan.tao_out = net.0;
            plan.fee_tao = actual_fee.0;
            plan.outflow = net.0;
        }
        None => plan.dust = alpha,
    }
    plan.pool_after = p;
    Ok(plan)
}

// ---------------------------------------------------------------------------------------------
// Commits: write a plan. Infallible (everything was checked).

/// Sends a fee to the era's destination.
fn pay_fee(net: &mut Network, mode: FeeMode, tao: u64) {
    if tao == 0 {
        return;
    }
    match mode {
        FeeMode::Author => net.ledger.credit(Holder::Unmodelled, Tao(tao)),
        FeeMode::Recycle => net.ledger.recycle_credit(Tao(tao), RecycleReason::Fees),
        // The plan already put it in the pool.
        FeeMode::LaunchFlat | FeeMode::Compound => {}
    }
}

fn commit_buy(
    net: &mut Network,
    mode: FeeMode,
    idx: usize,
    hotkey: HotkeyId,
    coldkey: ColdkeyId,
    plan: &BuyPlan,
    receipt: &mut Receipt,
) {
    let s = &mut net.subnets[idx];
    s.pool = plan.pool_after;
    s.alpha_out = s.alpha_out.saturating_add(Alpha(plan.alpha));
    if plan.alpha > 0 {
        s.pools
            .entry(hotkey)
            .or_default()
            .stake(&coldkey, plan.alpha);
    }
    s.flow.record_user_inflow(plan.inflow);
    s.account_surplus = s.account_surplus.saturating_add(Tao(plan.leftover));
    let netuid = s.netuid;
    pay_fee(net, mode, plan.fee_out);
    if plan.destroyed > 0 {
        net.ledger
            .recycle_credit(Tao(plan.destroyed), RecycleReason::Fees);
    }
    if netuid.is_root() && plan.alpha > 0 {
        receipt.push_root_change(RootStakeChange {
            hotkey,
            coldkey,
            delta: RootDelta::Added(plan.alpha),
        });
    }
    receipt.alpha_staked = receipt.alpha_staked.saturating_add(Alpha(plan.alpha));
    receipt.fee_tao = receipt.fee_tao.saturating_add(Tao(plan.fee));
    receipt.tao_to_subnet_account = receipt
        .tao_to_subnet_account
        .saturating_add(Tao(plan.leftover));
    receipt.tao_destroyed = receipt.tao_destroyed.saturating_add(Tao(plan.destroyed));
    receipt.hit_limit |= plan.hit_limit;
    receipt.legs = receipt.legs.saturating_add(1);
}

/// Writes a sell; the caller places `plan.tao_out`.
fn commit_sell(
    net: &mut Network,
    mode: FeeMode,
    idx: usize,
    hotkey: HotkeyId,
    coldkey: ColdkeyId,
    plan: &SellPlan,
    receipt: &mut Receipt,
) {
    let s = &mut net.subnets[idx];
    if let Some(position) = s.pools.get_mut(&hotkey) {
        position.unstake(&coldkey, plan.alpha);
        if plan.refund > 0 {
            position.stake(&coldkey, plan.refund);
        }
        if position.is_empty() {
            s.pools.remove(&hotkey);
        }
    }
    s.pool = plan.pool_after;
    s.alpha_out = s.alpha_out.saturating_sub(Alpha(plan.alpha_out_decrease));
    s.alpha_dust = s.alpha_dust.saturating_add(Alpha(plan.dust));
    s.flow.record_user_outflow(plan.outflow);
    let netuid = s.netuid;
    pay_fee(net, mode, plan.fee_out);
    if netuid.is_root() {
        receipt.push_root_change(RootStakeChange {
            hotkey,
            coldkey,
            delta: RootDelta::Removed(plan.alpha),
        });
    }
    let taken = plan.alpha.saturating_sub(plan.refund);
    receipt.alpha_unstaked = receipt.alpha_unstaked.saturating_add(Alpha(taken));
    receipt.fee_tao = receipt.fee_tao.saturating_add(Tao(plan.fee_tao));
    receipt.fee_alpha = receipt.fee_alpha.saturating_add(Alpha(plan.fee_alpha));
    if mode.is_launch() && plan.alpha_out_decrease == 0 {
        receipt.alpha_orphaned = receipt.alpha_orphaned.saturating_add(Alpha(plan.dust));
    }
    receipt.hit_limit |= plan.hit_limit;
    receipt.legs = receipt.legs.saturating_add(1);
}

fn credit(net: &mut Network, coldkey: ColdkeyId, tao: u64, receipt: &mut Receipt) {
    if tao > 0 {
        net.ledger.credit(Holder::Account(coldkey), Tao(tao));
        receipt.tao_received = receipt.tao_received.saturating_add(Tao(tao));
    }
}

fn debit(
    net: &mut Network,
    coldkey: ColdkeyId,
    tao: u64,
    receipt: &mut Receipt,
) -> Result<(), StakeError> {
    if tao > 0 {
        net.ledger
            .debit(Holder::Account(coldkey), Tao(tao))
            .map_err(|_| StakeError::InsufficientBalance {
                available: net.ledger.free_balance(coldkey),
                requested: Tao(tao),
            })?;
        receipt.tao_paid = receipt.tao_paid.saturating_add(Tao(tao));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// add_stake.

/// `add_stake(hotkey, netuid, tao)`, or `add_stake_limit(.., limit_price, allow_partial = true)`
/// when a limit is given: stake up to the amount that keeps the price at or below the limit.
///
/// Debits `tao` from the coldkey, buys alpha with the era's fee, credits it to the hotkey's
/// share pool for the coldkey and records the user inflow (see [`add_stake_limit`]).
#[allow(clippy::too_many_arguments)]
pub fn add_stake(
    net: &mut Network,
    rules: &Rules,
    params: &Params,
    coldkey: ColdkeyId,
    hotkey: HotkeyId,
    netuid: NetUid,
    tao: Tao,
    limit_price: Option<u64>,
) -> Result<Receipt, StakeError> {
    stake_checked(
        net,
        rules,
        params,
        coldkey,
        hotkey,
        netuid,
        tao.0,
        limit_price.map(|p| (p, true)),
    )
}

/// `do_add_stake_limit(hotkey, netuid, tao, limit_price, allow_partial)`: `limit_price` in rao of
/// TAO per whole alpha. Fill-or-kill (`allow_partial = false`) refuses an amount the limit does
/// not allow; partial execution stakes `min(tao, max amount at the limit)`.
///
/// Mirrors, per era:
/// * launch (`e2b8367b8` `validate_add_stake`, `stake_into_subnet`): `tao ≥ DefaultMinStake +
///   50,000`, the balance covers `tao`, the curve accepts `tao`; then the 50,000-rao fee is kept
///   in `SubnetTAO` and the rest swapped (root included, 1:1);
/// * HEAD (`ensure_add_stake_input_within_swap_limit`, `validate_add_stake`,
///   `stake_into_subnet`): input ≤ 1000 × `SubnetTAO`, subtoken enabled, `tao ≥ DefaultMinStake +
///   fee(DefaultMinStake)`, the simulated swap pays in at least `DefaultMinStake` and out some
///   alpha that mints shares; then the swap at the limit, the fee to its destination.
#[allow(clippy::too_many_arguments)]
pub fn add_stake_limit(
    net: &mut Network,
    rules: &Rules,
    params: &Params,
    coldkey: ColdkeyId,
    hotkey: HotkeyId,
    netuid: NetUid,
    tao: Tao,
    limit_price: u64,
    allow_partial: bool,
) -> Result<Receipt, StakeError> {
    stake_checked(
        net,
        rules,
        params,
        coldkey,
        hotkey,
        netuid,
        tao.0,
        Some((limit_price, allow_partial)),
    )
}

#[allow(clippy::too_many_arguments)]
fn stake_checked(
    net: &mut Network,
    rules: &Rules,
    params: &Params,
    coldkey: ColdkeyId,
    hotkey: HotkeyId,
    netuid: NetUid,
    tao: u64,
    limit: Option<(u64, bool)>,
) -> Result<Receipt, StakeError> {
    let mode = fee_mode(rules);
    let idx = subnet_index(net, netuid)?;
    let s = &net.subnets[idx];
    let min_stake = params.default_min_stake;
    let mut receipt = Receipt::new(rules);

    if mode.is_launch() {
        let fee = LAUNCH_STAKING_FEE;
        let (max_amount, allow_partial) = match limit {
            None => (tao, false),
            Some((p, partial)) => (launch_max_amount_add(s, p), partial),
        };
        let possible = tao.min(max_amount);
        let minimum = min_stake.saturating_add(fee.0);
        if tao < minimum {
            return Err(StakeError::AmountTooLow {
                amount: tao,
                minimum,
            });
        }
        if !allow_partial && tao > max_amount {
            return Err(StakeError::SlippageTooHigh {
                requested: tao,
                allowed: max_amount,
            });
        }
        ensure_balance(net, coldkey, tao)?;
        ensure_hotkey(net, hotkey)?;
        launch_quote(s, Side::Buy, tao).ok_or(StakeError::LaunchPoolRefused)?;
        let plan = plan_buy_launch(s.pool, s.mechanism, possible, fee);
        debit(net, coldkey, possible, &mut receipt)?;
        commit_buy(net, mode, idx, hotkey, coldkey, &plan, &mut receipt);
        return Ok(receipt);
    }

    // ensure_add_stake_input_within_swap_limit.
    if s.mechanism == Mechanism::Dynamic
        && tao
            > s.pool
                .tao_reserve
                .0
                .saturating_mul(MAX_SWAP_INPUT_RESERVE_MULTIPLIER)
    {
        return Err(SwapError::SwapInputTooLarge.into());
    }
    let (max_amount, price_limit, allow_partial) = match limit {
        None => (tao, MAX_PRICE_LIMIT, false),
        Some((p, partial)) => (max_amount_add(s, p)?, p, partial),
    };
    // validate_add_stake.
    ensure_subtoken(s)?;
    let min_fee = match quote(s, Side::Buy, min_stake) {
        Ok(r) => r.fee_paid,
        Err(_) => match s.mechanism {
            Mechanism::Dynamic => fee_amount(min_stake, s.pool.fee_rate, false),
            Mechanism::Stable => 0,
        },
    };
    let minimum = min_stake.saturating_add(min_fee);
    if tao < minimum {
        return Err(StakeError::AmountTooLow {
            amount: tao,
            minimum,
        });
    }
    if !allow_partial && tao > max_amount {
        return Err(StakeError::SlippageTooHigh {
            requested: tao,
            allowed: max_amount,
        });
    }
    let amount = tao.min(max_amount);
    ensure_balance(net, coldkey, amount)?;
    ensure_hotkey(net, hotkey)?;
    let sim = quote(s, Side::Buy, amount)?;
    if sim.amount_paid_in < min_stake {
        return Err(StakeError::AmountTooLow {
            amount: sim.amount_paid_in,
            minimum: min_stake,
        });
    }
    if sim.amount_paid_out == 0 {
        return Err(StakeError::ZeroAlpha);
    }
    if !would_mint(s, hotkey, sim.amount_paid_out) {
        return Err(StakeError::NoSharesMinted(sim.amount_paid_out));
    }
    // stake_into_subnet.
    let plan = plan_buy(s.pool, s.mechanism, mode, amount, price_limit, false)?;
    if !would_mint(s, hotkey, plan.alpha) {
        return Err(StakeError::NoSharesMinted(plan.alpha));
    }
    debit(net, coldkey, amount, &mut receipt)?;
    commit_buy(net, mode, idx, hotkey, coldkey, &plan, &mut receipt);
    Ok(receipt)
}

// ---------------------------------------------------------------------------------------------
// remove_stake.

/// `remove_stake(hotkey, netuid, alpha)`, or `remove_stake_limit(.., limit_price,
/// allow_partial = true)` when a limit is given: sell down to the limit price at most.
///
/// Takes the alpha from the coldkey's position, sells it with the era's fee and credits the TAO
/// to the coldkey's free balance; records the user outflow (see [`remove_stake_limit`]). Without
/// a limit, in the swap-pallet eras, the amount is capped at the stake held, as
/// `do_remove_stake` does.
#[allow(clippy::too_many_arguments)]
pub fn remove_stake(
    net: &mut Network,
    rules: &Rules,
    params: &Params,
    coldkey: ColdkeyId,
    hotkey: HotkeyId,
    netuid: NetUid,
    alpha: Alpha,
    limit_price: Option<u64>,
) -> Result<Receipt, StakeError> {
    unstake_checked(
        net,
        rules,
        params,
        coldkey,
        hotkey,
        netuid,
        alpha.0,
        limit_price.map(|p| (p, true)),
    )
}

/// `do_remove_stake_limit(hotkey, netuid, alpha, limit_price, allow_partial)`.
///
/// Mirrors, per era:
/// * launch (`validate_remove_stake`, `unstake_from_subnet` at `e2b8367b8`): the sale of the
///   whole amount must fetch more than `DefaultMinStake`, the stake must cover it; the 50,000-rao
///   fee is taken from the TAO and kept in `SubnetTAO`;
/// * HEAD (`ensure_remove_stake_input_within_swap_limit`, `validate_remove_stake`,
///   `unstake_from_subnet`): input ≤ 1000 × `SubnetAlphaIn`, non-zero, covered by the stake; unless
///   it empties the position, the simulated sale must fetch at least `DefaultMinStake`; then the
///   sale at the limit, the unsold rest refunded, the alpha fee to its destination.
#[allow(clippy::too_many_arguments)]
pub fn remove_stake_limit(
    net: &mut Network,
    rules: &Rules,
    params: &Params,
    coldkey: ColdkeyId,
    hotkey: HotkeyId,
    netuid: NetUid,
    alpha: Alpha,
    limit_price: u64,
    allow_partial: bool,
) -> Result<Receipt, StakeError> {
    unstake_checked(
        net,
        rules,
        params,
        coldkey,
        hotkey,
        netuid,
        alpha.0,
        Some((limit_price, allow_partial)),
    )
}

/// HEAD `validate_remove_stake(alpha, max_amount, allow_partial)`.
fn validate_remove(
    net: &Network,
    s: &Subnet,
    min_stake: u64,
    (hotkey, coldkey): (HotkeyId, ColdkeyId),
    alpha: u64,
    max_amount: u64,
    allow_partial: bool,
) -> Result<(), StakeError> {
    if alpha == 0 {
        return Err(StakeError::AmountTooLow {
            amount: 0,
            minimum: 1,
        });
    }
    let available = stake_of(s, hotkey, coldkey);
    let remaining = available
        .checked_sub(alpha)
        .ok_or(StakeError::NotEnoughStake {
            available,
            requested: alpha,
        })?;
    let sim = quote(s, Side::Sell, alpha)?;
    if remaining != 0 && sim.amount_paid_out < min_stake {
        return Err(StakeError::AmountTooLow {
            amount: sim.amount_paid_out,
            minimum: min_stake,
        });
    }
    if !allow_partial && alpha > max_amount {
        return Err(StakeError::SlippageTooHigh {
            requested: alpha,
            allowed: max_amount,
        });
    }
    ensure_hotkey(net, hotkey)
}

/// Launch `validate_remove_stake(alpha, max_amount, allow_partial)`.
fn validate_remove_launch(
    net: &Network,
    s: &Subnet,
    min_stake: u64,
    (hotkey, coldkey): (HotkeyId, ColdkeyId),
    alpha: u64,
    max_amount: u64,
    allow_partial: bool,
) -> Result<(), StakeError> {
    let tao = launch_quote(s, Side::Sell, alpha).ok_or(StakeError::LaunchPoolRefused)?;
    if tao <= min_stake {
        return Err(StakeError::AmountTooLow {
            amount: tao,
            minimum: min_stake.saturating_add(1),
        });
    }
    if !allow_partial && alpha > max_amount {
        return Err(StakeError::SlippageTooHigh {
            requested: alpha,
            allowed: max_amount,
        });
    }
    ensure_hotkey(net, hotkey)?;
    let available = stake_of(s, hotkey, coldkey);
    if available < alpha {
        return Err(StakeError::NotEnoughStake {
            available,
            requested: alpha,
        });
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn unstake_checked(
    net: &mut Network,
    rules: &Rules,
    params: &Params,
    coldkey: ColdkeyId,
    hotkey: HotkeyId,
    netuid: NetUid,
    alpha: u64,
    limit: Option<(u64, bool)>,
) -> Result<Receipt, StakeError> {
    let mode = fee_mode(rules);
    let idx = subnet_index(net, netuid)?;
    let s = &net.subnets[idx];
    let min_stake = params.default_min_stake;
    let mut receipt = Receipt::new(rules);

    let plan = if mode.is_launch() {
        let (max_amount, allow_partial) = match limit {
            None => (alpha, false),
            Some((p, partial)) => (launch_max_amount_remove(s, p), partial),
        };
        validate_remove_launch(
            net,
            s,
            min_stake,
            (hotkey, coldkey),
            alpha,
            max_amount,
            allow_partial,
        )?;
        plan_sell_launch(
            s.pool,
            s.mechanism,
            alpha.min(max_amount),
            LAUNCH_STAKING_FEE,
        )?
    } else {
        let input_cap = |a: u64| {
            if s.mechanism == Mechanism::Dynamic
                && a > s
                    .pool
                    .alpha_reserve
                    .0
                    .saturating_mul(MAX_SWAP_INPUT_RESERVE_MULTIPLIER)
            {
                Err(StakeError::Swap(SwapError::SwapInputTooLarge))
            } else {
                Ok(())
            }
        };
        match limit {
            None => {
                // do_remove_stake: subtoken, the amount capped at the stake held.
                ensure_subtoken(s)?;
                let alpha = alpha.min(stake_of(s, hotkey, coldkey));
                input_cap(alpha)?;
                validate_remove(net, s, min_stake, (hotkey, coldkey), alpha, alpha, false)?;
                plan_sell(s.pool, s.mechanism, mode, alpha, MIN_PRICE_LIMIT, false)?
            }
            Some((p, allow_partial)) => {
                input_cap(alpha)?;
                let max_amount = max_amount_remove(s, p)?;
                validate_remove(
                    net,
                    s,
                    min_stake,
                    (hotkey, coldkey),
                    alpha,
                    max_amount,
                    allow_partial,
                )?;
                plan_sell(s.pool, s.mechanism, mode, alpha.min(max_amount), p, false)?
            }
        }
    };
    commit_sell(net, mode, idx, hotkey, coldkey, &plan, &mut receipt);
    credit(net, coldkey, plan.tao_out, &mut receipt);
    Ok(receipt)
}

// ---------------------------------------------------------------------------------------------
// move_stake.

/// `move_stake(origin_hotkey, destination_hotkey, origin_netuid, destination_netuid, alpha)`
/// (`transition_stake_internal`): the coldkey's stake moves from `origin` (hotkey, netuid) to
/// `destination`.
///
/// * HEAD: the amount is capped at the stake held; both subnets need their subtoken. Across
///   subnets it is a sale on the origin (fee charged unless the origin is root) and, when it
///   fetched at least `DefaultMinStake`, a buy on the destination (fee charged only when the
///   origin is root); a smaller result stays in the free balance. Within one subnet the shares
///   move without a swap or fee, and the value must reach `DefaultMinStake` at the spot price.
/// * Launch: the coldkey must own the origin hotkey and hold the amount; always a sale and a
///   buy (even within one subnet), each paying half the flat fee; TAO below `DefaultMinStake`
///   plus that half fee is not restaked and was lost on chain (recycled here, see
///   [`Receipt::tao_destroyed`]).
pub fn move_stake(
    net: &mut Network,
    rules: &Rules,
    params: &Params,
    coldkey: ColdkeyId,
    origin: (HotkeyId, NetUid),
    destination: (HotkeyId, NetUid),
    alpha: Alpha,
) -> Result<Receipt, StakeError> {
    let mode = fee_mode(rules);
    let (origin_hotkey, origin_netuid) = origin;
    let (dest_hotkey, dest_netuid) = destination;
    let min_stake = params.default_min_stake;
    let mut receipt = Receipt::new(rules);

    if mode.is_launch() {
        // validate_stake_transition at launch.
        let oi = subnet_index(net, origin_netuid)?;
        let di = subnet_index(net, dest_netuid)?;
        ensure_hotkey(net, origin_hotkey)?;
        if net.hotkeys[origin_hotkey.0 as usize].owner != coldkey {
            return Err(StakeError::NotHotkeyOwner);
        }
        let os = &net.subnets[oi];
        let available = stake_of(os, origin_hotkey, coldkey);
        if alpha.0 > available {
            return Err(StakeError::NotEnoughStake {
                available,
                requested: alpha.0,
            });
        }
        let tao = launch_quote(os, Side::Sell, alpha.0).ok_or(StakeError::LaunchPoolRefused)?;
        if tao <= min_stake {
            return Err(StakeError::AmountTooLow {
                amount: tao,
                minimum: min_stake.saturating_add(1),
            });
        }
        // The destination hotkey must be modelled to hold the stake (the launch chain did not
        // check it).
        ensure_hotkey(net, dest_hotkey)?;
        let half_fee = Tao(LAUNCH_STAKING_FEE.0 / 2);
        let sell = plan_sell_launch(os.pool, os.mechanism, alpha.0, half_fee)?;
        let tao_unstaked = sell.tao_out;
        let buy = (tao_unstaked >= min_stake.saturating_add(half_fee.0)).then(|| {
            let ds = &net.subnets[di];
            let pool = if di == oi { sell.pool_after } else { ds.pool };
            plan_buy_launch(pool, ds.mechanism, tao_unstaked, half_fee)
        });
        commit_sell(net, mode, oi, origin_hotkey, coldkey, &sell, &mut receipt);
        match buy {
            Some(plan) => commit_buy(net, mode, di, dest_hotkey, coldkey, &plan, &mut receipt),
            None if tao_unstaked > 0 => {
                net.ledger
                    .recycle_credit(Tao(tao_unstaked), RecycleReason::Fees);
                receipt.tao_destroyed = receipt.tao_destroyed.saturating_add(Tao(tao_unstaked));
            }
            None => {}
        }
        receipt.tao_moved = Tao(tao_unstaked.saturating_sub(half_fee.0));
        return Ok(receipt);
    }

    // transition_stake_internal: cap at the stake held.
    let oi = subnet_index(net, origin_netuid)?;
    let available = stake_of(&net.subnets[oi], origin_hotkey, coldkey);
    let alpha = alpha.0.min(available);
    // validate_stake_transition.
    if origin_hotkey == dest_hotkey && origin_netuid == dest_netuid {
        return Err(StakeError::SamePosition);
    }
    let di = subnet_index(net, dest_netuid)?;
    let (os, ds) = (&net.subnets[oi], &net.subnets[di]);
    ensure_subtoken(os)?;
    ensure_subtoken(ds)?;
    ensure_hotkey(net, origin_hotkey)?;
    ensure_hotkey(net, dest_hotkey)?;

    if oi == di {
        // transfer_stake_within_subnet: shares move, no swap, no fee.
        let price = match os.mechanism {
            Mechanism::Stable => U64F64::from_num(1),
            Mechanism::Dynamic => os.pool.current_price(),
        };
        let tao_equivalent = price
            .saturating_mul(U64F64::saturating_from_num(alpha))
            .saturating_to_num::<u64>();
        if tao_equivalent < min_stake {
            return Err(StakeError::AmountTooLow {
                amount: tao_equivalent,
                minimum: min_stake,
            });
        }
        let s = &mut net.subnets[oi];
        if let Some(position) = s.pools.get_mut(&origin_hotkey) {
            position.unstake(&coldkey, alpha);
            if position.is_empty() {
                s.pools.remove(&origin_hotkey);
            }
        }
        s.pools
            .entry(dest_hotkey)
            .or_default()
            .stake(&coldkey, alpha);
        if s.netuid.is_root() {
            receipt.push_root_change(RootStakeChange {
                hotkey: origin_hotkey,
                coldkey,
                delta: RootDelta::Removed(alpha),
            });
            receipt.push_root_change(RootStakeChange {
                hotkey: dest_hotkey,
                coldkey,
                delta: RootDelta::Added(alpha),
            });
        }
        receipt.alpha_unstaked = Alpha(alpha);
        receipt.alpha_staked = Alpha(alpha);
        receipt.tao_moved = Tao(tao_equivalent);
        receipt.legs = 2;
        return Ok(receipt);
    }

    let sim = quote(os, Side::Sell, alpha)?;
    if sim.amount_paid_out <= min_stake {
        return Err(StakeError::AmountTooLow {
            amount: sim.amount_paid_out,
            minimum: min_stake.saturating_add(1),
        });
    }
    let drop_fee_origin = origin_netuid.is_root();
    let sell = plan_sell(
        os.pool,
        os.mechanism,
        mode,
        alpha,
        MIN_PRICE_LIMIT,
        drop_fee_origin,
    )?;
    let tao_unstaked = sell.tao_out;
    let buy = if tao_unstaked >= min_stake {
        let plan = plan_buy(
            ds.pool,
            ds.mechanism,
            mode,
            tao_unstaked,
            MAX_PRICE_LIMIT,
            !drop_fee_origin,
        )?;
        if !would_mint(ds, dest_hotkey, plan.alpha) {
            return Err(StakeError::NoSharesMinted(plan.alpha));
        }
        Some(plan)
    } else {
        None
    };
    commit_sell(net, mode, oi, origin_hotkey, coldkey, &sell, &mut receipt);
    match buy {
        // The TAO passes through the coldkey's free balance: credited, then staked.
        Some(plan) => commit_buy(net, mode, di, dest_hotkey, coldkey, &plan, &mut receipt),
        None => credit(net, coldkey, tao_unstaked, &mut receipt),
    }
    receipt.tao_moved = Tao(tao_unstaked);
    Ok(receipt)
}

// ---------------------------------------------------------------------------------------------
// unstake_all.

/// `unstake_all(hotkey)` (`do_unstake_all`): every subnet's stake of the coldkey on the hotkey,
/// root included, sold to free TAO, in netuid order.
///
/// HEAD skips subnets whose subtoken is disabled and positions that fail `validate_remove_stake`
/// (an empty position, a pool that refuses the simulated sale), sells the rest at the minimum
/// price, and fails as a whole if one sale fails. Launch sells every non-empty position with the
/// flat fee; a sale its pool refuses pays nothing (the alpha stays outstanding, held by nobody).
/// Selling nothing is not an error (the chain's `do_unstake_all` succeeds): see
/// [`Receipt::legs`].
pub fn unstake_all(
    net: &mut Network,
    rules: &Rules,
    params: &Params,
    coldkey: ColdkeyId,
    hotkey: HotkeyId,
) -> Result<Receipt, StakeError> {
    let mode = fee_mode(rules);
    ensure_hotkey(net, hotkey)?;
    let mut receipt = Receipt::new(rules);
    let mut plans: Vec<(usize, SellPlan)> = Vec::new();
    for (idx, s) in net.subnets.iter().enumerate() {
        let alpha = stake_of(s, hotkey, coldkey);
        let plan = if mode.is_launch() {
            if alpha == 0 {
                continue;
            }
            plan_sell_launch(s.pool, s.mechanism, alpha, LAUNCH_STAKING_FEE)?
        } else {
            if !s.subtoken_enabled
                || validate_remove(
                    net,
                    s,
                    params.default_min_stake,
                    (hotkey, coldkey),
                    alpha,
                    alpha,
                    false,
                )
                .is_err()
            {
                continue;
            }
            plan_sell(s.pool, s.mechanism, mode, alpha, MIN_PRICE_LIMIT, false)?
        };
        plans.push((idx, plan));
    }
    for (idx, plan) in &plans {
        commit_sell(net, mode, *idx, hotkey, coldkey, plan, &mut receipt);
        credit(net, coldkey, plan.tao_out, &mut receipt);
    }
    Ok(receipt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amm::QuoteWeight;
    use crate::ledger::Ledger;
    use crate::neurons::Hotkey;
    use crate::rules::Era;

    const ROOT_TAO: u64 = 1_000 * RAO_PER_TAO;

    /// Root with 1,000 TAO staked by the unmodelled rest, and one subnet at 100 TAO : 1,000 alpha
    /// whose outstanding alpha is held by unmodelled stakers.
    fn network() -> Network {
        let mut root = Subnet::new(
            NetUid(0),
            Pool::new(Tao(ROOT_TAO), Alpha::ZERO, QuoteWeight::HALF),
            100,
            0,
        );
        root.mechanism = Mechanism::Stable;
        let mut sn = Subnet::new(
            NetUid(1),
            Pool::new(
                Tao(100 * RAO_PER_TAO),
                Alpha(1_000 * RAO_PER_TAO),
                QuoteWeight::HALF,
            ),
            360,
            0,
        );
        sn.alpha_out = Alpha(500 * RAO_PER_TAO);
        sn.alpha_staked = Alpha(500 * RAO_PER_TAO);
        let in_pools = Tao(ROOT_TAO + 100 * RAO_PER_TAO);
        let ledger = Ledger::new(
            Tao(10_000 * RAO_PER_TAO),
            &[
                ("alice".into(), Tao(50 * RAO_PER_TAO)),
                ("bob".into(), Tao(50 * RAO_PER_TAO)),
            ],
            in_pools,
        )
        .unwrap();
        Network {
            block: 1,
            ledger,
            block_emission: Tao::ZERO,
            subnets: vec![root, sn],
            hotkeys: vec![Hotkey {
                name: "v".into(),
                owner: ColdkeyId(0),
                delegate_take: 11_796,
            }],
        }
    }

    fn alice() -> ColdkeyId {
        ColdkeyId(0)
    }

    fn conserved(net: &Network) {
        assert_eq!(net.ledger.total_issuance(), net.held_total());
        for s in &net.subnets {
            assert_eq!(s.alpha_accounting_gap(), None, "subnet {}", s.netuid);
        }
    }

    #[test]
    fn launch_fee_is_kept_in_the_pool() {
        let rules = Era::DtaoLaunch.rules();
        let params = Params::default();
        let mut net = network();
        let tao_before = net.subnets[1].pool.tao_reserve;
        let r = add_stake(
            &mut net,
            &rules,
            &params,
            alice(),
            HotkeyId(0),
            NetUid(1),
            Tao(RAO_PER_TAO),
            None,
        )
        .unwrap();
        assert_eq!(r.fee_tao, LAUNCH_STAKING_FEE);
        assert_eq!(r.fee_sink, FeeSink::Pool);
        assert_eq!(
            net.subnets[1].pool.tao_reserve.0,
            tao_before.0 + RAO_PER_TAO
        );
        conserved(&net);
    }

    #[test]
    fn root_claimed_book_follows_root_stake() {
        let rules = Era::Current.rules();
        let params = Params::default();
        let mut net = network();
        net.subnets[1]
            .root_claimable
            .insert(HotkeyId(0), I96F32::from_num(0.5));
        let mut book = RootClaimedBook::default();
        let r = add_stake(
            &mut net,
            &rules,
            &params,
            alice(),
            HotkeyId(0),
            NetUid(0),
            Tao(10 * RAO_PER_TAO),
            None,
        )
        .unwrap();
        book.apply(&net, &r);
        assert_eq!(
            book.watermarks(HotkeyId(0), alice()).unwrap()[&NetUid(1)],
            5 * u128::from(RAO_PER_TAO)
        );
        let r = remove_stake(
            &mut net,
            &rules,
            &params,
            alice(),
            HotkeyId(0),
            NetUid(0),
            Alpha(4 * RAO_PER_TAO),
            None,
        )
        .unwrap();
        book.apply(&net, &r);
        assert_eq!(
            book.watermarks(HotkeyId(0), alice()).unwrap()[&NetUid(1)],
            3 * u128::from(RAO_PER_TAO)
        );
        conserved(&net);
    }
}
