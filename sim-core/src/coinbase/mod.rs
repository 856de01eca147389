//! The per-block coinbase (spec section 2): the block's TAO split across subnets, injected into
//! their pools, and alpha minted into the pending buckets that the epoch pays out.
//!
//! * [`shares`]: how the block's TAO is split (price EMA; [`flow`] for the TAO-flow eras);
//! * [`terms`]: per-subnet injection terms and the injection cap of each era;
//! * [`moving_price`]: the EMA price update after the coinbase;
//! * this module: the block itself, [`Coinbase::run`] (`run_coinbase` up to the epoch drain)
//!   and [`Coinbase::run_launch`] (the dTAO-launch coinbase, `e2b8367b8`).
//!
//! The functions work on the engine's own [`Subnet`] state, so the golden block vectors check
//! the very code the engine runs.

pub mod flow;
pub mod moving_price;
pub mod root_weights;
pub mod shares;
pub mod terms;

use crate::amm::{launch_price, Side, SwapError, SwapResult, MAX_PRICE_LIMIT};
use crate::fixed_div::CheckedDivFast;
use crate::rules::{Amm, EmissionSplit, RootDividends, Rules};
use crate::subnet::{BlockEmission, Mechanism, Subnet};
use crate::units::{Alpha, BlockNumber, Tao};
use flow::{flow_shares, FlowParams, FlowVariant, SubnetFlow};
use moving_price::{update_moving_price, MovingPriceInput, MovingPriceUpdate};
use shares::{price_ema_shares, PriceShareRule, ShareInput, ShareRow, ShareTotals};
use substrate_fixed::types::{I96F32, U64F64, U96F32};
use terms::{keeps_bought_alpha, root_proportion, subnet_terms, Terms, TermsInput};

/// The global inputs of one block's coinbase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CoinbaseParams {
    pub block: BlockNumber,
    /// `SubnetTAO[0]`: all root stake.
    pub root_tao: u64,
    /// `TaoWeight` (u64 / u64::MAX).
    pub tao_weight: u64,
    /// `SubnetOwnerCut` (u16 / 65535).
    pub subnet_owner_cut: u16,
    /// `SubnetMovingAlpha`.
    pub moving_alpha: I96F32,
}

/// What `inject_and_maybe_swap` did on one subnet.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Injected {
    pub tao_in_u64: u64,
    pub alpha_in_u64: u64,
    pub excess_tao_u64: u64,
    /// What `adjust_protocol_liquidity` accepted ((0, 0) when the weight would leave its range).
    pub actual_tao: u64,
    pub actual_alpha: u64,
    pub quote_weight_after_adjust: u64,
    /// The fee-less chain buy of the excess, if there was one.
    pub chain_buy: Option<Result<SwapResult, SwapError>>,
    /// Credit moved to the subnet: the excess (even when the buy failed) plus the injected TAO.
    pub credit_spent: u64,
}

/// The alpha_out split of one subnet (`emit_to_subnets`, part 3).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Split {
    pub alpha_created: u64,
    pub owner_cut: U96F32,
    pub owner_cut_u64: u64,
    /// Recomputed after this block's alpha was minted.
    pub root_proportion_after_mint: U96F32,
    pub root_alpha: U96F32,
    pub root_alpha_u64: u64,
    /// The root alpha was recycled (root-sell flag off).
    pub root_alpha_recycled: bool,
    pub pending_server: U96F32,
    pub pending_server_u64: u64,
    pub pending_validator: U96F32,
    pub pending_validator_u64: u64,
    /// Launch-era root sell: TAO received (0 when refused) and whether it executed.
    pub root_sell_tao: u64,
    pub root_sell_executed: bool,
}

/// One emit-set subnet's block.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SubnetCoinbase {
    /// Index into the subnets slice.
    pub index: usize,
    pub share: ShareRow,
    pub terms: Terms,
    pub injected: Injected,
    pub split: Split,
    pub ema: Option<MovingPriceUpdate>,
}

/// One block's coinbase: totals and the emit-set subnets in netuid order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlockReport {
    pub totals: ShareTotals,
    pub root_sell_flag: bool,
    /// Credit moved into subnets.
    pub credit_spent: u64,
    /// Credit no subnet took: the caller recycles it (`recycle_credit`).
    pub credit_left: u64,
    /// Launch era only: TAO minted (Σ tao_in), since the launch coinbase raised issuance by
    /// what it injected rather than by the block emission.
    pub launch_minted: u64,
    /// Alpha removed from `SubnetAlphaOut` by recycling (bought alpha, unsold root alpha).
    pub alpha_recycled: u64,
    pub subnets: Vec<SubnetCoinbase>,
}

/// The coinbase with its reusable scratch buffers (the block loop allocates nothing once warm).
#[derive(Clone, Debug, Default)]
pub struct Coinbase {
    inputs: Vec<ShareInput>,
    rows: Vec<ShareRow>,
    flows: Vec<SubnetFlow>,
    enabled: Vec<bool>,
    /// The TAO-flow parameters (`FlowEmaSmoothingFactor`, `TaoFlowCutoff`, `FlowNormExponent`).
    pub flow_params: FlowParams,
    pub report: BlockReport,
}

/// Whether a subnet receives emission this block (`get_subnets_to_emit_to`): not root, start
/// call done, subtoken enabled, registration allowed.
pub fn in_emit_set(subnet: &Subnet) -> bool {
    !subnet.is_root()
        && subnet.first_emission_block.is_some()
        && subnet.subtoken_enabled
        && subnet.registration_allowed
}

/// `current_alpha_price` in the era's pool: 1 for stable subnets, the launch curve's I96F32
/// `y / x` under the launch AMM, else the weighted pool's spot price.
pub fn current_alpha_price(amm: Amm, subnet: &Subnet) -> U64F64 {
    match (subnet.mechanism, amm) {
        (Mechanism::Stable, _) => U64F64::from_num(1),
        (Mechanism::Dynamic, Amm::ConstantProductFlatFee) => {
            U64F64::saturating_from_num(subnet.pool.launch_price())
        }
        (Mechanism::Dynamic, _) => subnet.pool.current_price(),
    }
}

/// `get_moving_alpha_price`: 1 for stable subnets, else the stored price (negative as 0).
pub fn moving_alpha_price(subnet: &Subnet) -> U64F64 {
    match subnet.mechanism {
        Mechanism::Stable => U64F64::from_num(1),
        Mechanism::Dynamic => shares::moving_alpha_price(subnet.moving_price),
    }
}

fn floor_u64(x: U96F32) -> u64 {
    x.saturating_to_num::<u64>()
}

impl Coinbase {
    /// `run_coinbase` up to the epoch drain for the dTAO eras after the launch: shares, terms,
    /// injections with chain buys, the alpha_out split into the pending buckets. `credit` is the
    /// minted block emission in rao; what is left is in `report.credit_left`.
    pub fn run(
        &mut self,
        rules: &Rules,
        params: &CoinbaseParams,
        credit: u64,
        subnets: &mut [Subnet],
    ) -> &BlockReport {
        let report = &mut self.report;
        report.subnets.clear();
        report.launch_minted = 0;
        report.alpha_recycled = 0;
        for s in subnets.iter_mut() {
            s.last_emission = BlockEmission::default();
        }
        // 1. The emit set, in netuid order.
        self.inputs.clear();
        for (index, s) in subnets.iter().enumerate() {
            if in_emit_set(s) {
                report.subnets.push(SubnetCoinbase {
                    index,
                    ..SubnetCoinbase::default()
                });
                self.inputs.push(ShareInput {
                    moving_price: moving_alpha_price(s),
                    miner_burned: s.miner_burned,
                    emission_enabled: s.emission_enabled,
                });
            }
        }
        // 2. Shares and E_i; the root-sell flag on the same set.
        report.totals = match rules.emission_split {
            EmissionSplit::TaoFlow | EmissionSplit::NetTaoFlow => {
                // The flow EMAs live on the subnets; the share function works on a packed copy.
                self.flows.clear();
                self.enabled.clear();
                for r in &report.subnets {
                    self.flows.push(subnets[r.index].flow);
                    self.enabled.push(subnets[r.index].emission_enabled);
                }
                let variant = if rules.emission_split == EmissionSplit::TaoFlow {
                    FlowVariant::Plain
                } else {
                    FlowVariant::Net
                };
                let totals = flow_shares(
                    variant,
                    params.block,
                    &self.flow_params,
                    credit,
                    &mut self.flows,
                    &self.enabled,
                    &mut self.rows,
                    None,
                );
                for (r, f) in report.subnets.iter().zip(&self.flows) {
                    subnets[r.index].flow = *f;
                }
                totals
            }
            EmissionSplit::PriceEmaMinerBurn => price_ema_shares(
                &self.inputs,
                credit,
                PriceShareRule::CURRENT,
                &mut self.rows,
            ),
            EmissionSplit::PriceEma | EmissionSplit::RootWeights => price_ema_shares(
                &self.inputs,
                credit,
                PriceShareRule {
                    miner_burn: false,
                    emission_enabled_flag: false,
                },
                &mut self.rows,
            ),
        };
        report.root_sell_flag = shares::root_sell_flag(&self.inputs);
        // 3. Terms for every emit subnet on the pre-block state.
        for (r, row) in report.subnets.iter_mut().zip(&self.rows) {
            let s = &subnets[r.index];
            r.share = *row;
            r.terms = subnet_terms(
                rules.injection,
                TermsInput {
                    tao_emission: row.tao_emission,
                    block_emission: credit,
                    alpha_issuance: s.alpha_issuance(),
                    price: current_alpha_price(rules.amm, s),
                    root_proportion: root_proportion(
                        params.root_tao,
                        params.tao_weight,
                        s.alpha_issuance(),
                    ),
                },
            );
        }
        // 4. Injections and chain buys, drawing on the credit, in netuid order.
        let mut remaining = credit;
        for r in report.subnets.iter_mut() {
            let s = &mut subnets[r.index];
            r.injected = inject_and_maybe_swap(&r.terms, s, &mut remaining);
            if !keeps_bought_alpha(rules.injection) {
                if let Some(Ok(buy)) = r.injected.chain_buy {
                    // Before 2026-06-01 the bought alpha was recycled.
                    s.protocol_alpha = s.protocol_alpha.saturating_sub(Alpha(buy.amount_paid_out));
                    s.alpha_out = s.alpha_out.saturating_sub(Alpha(buy.amount_paid_out));
                    report.alpha_recycled += buy.amount_paid_out;
                }
            }
        }
        report.credit_spent = credit - remaining;
        report.credit_left = remaining;
        // 5. The alpha_out split into the pending buckets.
        let sell_root = report.root_sell_flag;
        for r in report.subnets.iter_mut() {
            let s = &mut subnets[r.index];
            r.split = split_alpha_out(rules, params, &r.terms, sell_root, s);
            if r.split.root_alpha_recycled {
                report.alpha_recycled += r.split.root_alpha_u64;
            }
            s.last_emission = BlockEmission {
                share: r.share.final_share.to_num::<f64>(),
                tao_emission: Tao(floor_u64(r.share.tao_emission)),
                tao_in: Tao(r.injected.actual_tao),
                alpha_in: Alpha(r.injected.actual_alpha),
                alpha_out: Alpha(r.split.alpha_created),
                excess_tao: Tao(r.injected.excess_tao_u64),
                owner_cut: Alpha(r.split.owner_cut_u64),
                root_alpha: Alpha(r.split.root_alpha_u64),
                root_proportion: r.terms.root_proportion.to_num::<f64>(),
            };
        }
        &self.report
    }

    /// The dTAO-launch coinbase (`run_coinbase` @ `e2b8367b8`, steps 1-6) for every non-root
    /// subnet: TAO by moving price over all subnets (I96F32), alpha_in = min(tao_in / price,
    /// alpha_emission), all of tao_in injected (issuance rises by Σ tao_in only), owner cut, and
    /// root alpha sold into the pool every block for TAO paid at the epoch.
    pub fn run_launch(
        &mut self,
        params: &CoinbaseParams,
        block_emission: u64,
        subnets: &mut [Subnet],
    ) -> &BlockReport {
        let report = &mut self.report;
        report.subnets.clear();
        report.alpha_recycled = 0;
        report.root_sell_flag = true;
        let zero = I96F32::from_num(0);
        let emission = I96F32::saturating_from_num(block_emission);
        let price_of = |s: &Subnet| match s.mechanism {
            Mechanism::Stable => I96F32::from_num(1),
            Mechanism::Dynamic => launch_price(s.pool.tao_reserve, s.pool.alpha_reserve),
        };
        let moving_of = |s: &Subnet| match s.mechanism {
            Mechanism::Stable => I96F32::from_num(1),
            Mechanism::Dynamic => s.moving_price,
        };
        let total = subnets
            .iter()
            .filter(|s| !s.is_root())
            .fold(zero, |acc, s| acc.saturating_add(moving_of(s)));
        report.totals = ShareTotals {
            total_moving_prices: U64F64::saturating_from_num(total),
            ..ShareTotals::default()
        };
        let cut = I96F32::saturating_from_num(params.subnet_owner_cut)
            .checked_div_fast(I96F32::saturating_from_num(u16::MAX))
            .unwrap_or(zero);
        let tao_weight = I96F32::saturating_from_num(params.root_tao).saturating_mul(
            I96F32::saturating_from_num(params.tao_weight)
                .checked_div_fast(I96F32::saturating_from_num(u64::MAX))
                .unwrap_or(zero),
        );
        let mut minted = 0u64;
        for (index, s) in subnets.iter_mut().enumerate() {
            if s.is_root() {
                continue;
            }
            let price = price_of(s);
            let mut tao_in = shares::launch_tao_in(emission, moving_of(s), total);
            let alpha_emission = I96F32::saturating_from_num(
                crate::emission::block_emission_for_issuance(s.alpha_issuance()).unwrap_or(0),
            );
            let alpha_in = tao_in
                .checked_div_fast(price)
                .unwrap_or(alpha_emission)
                .min(alpha_emission);
            let alpha_out = alpha_emission;
            let share_tao = tao_in;
            // Only subnets that allow burned registration (or no PoW either) get TAO.
            if !s.registration_allowed && s.pow_registration_allowed {
                tao_in = zero;
            }
            let tao_in_u64 = tao_in.saturating_to_num::<u64>();
            let alpha_in_u64 = alpha_in.saturating_to_num::<u64>();
            let alpha_out_u64 = alpha_out.saturating_to_num::<u64>();
            s.pool.alpha_reserve = s.pool.alpha_reserve.saturating_add(Alpha(alpha_in_u64));
            s.alpha_out = s.alpha_out.saturating_add(Alpha(alpha_out_u64));
            s.pool.tao_reserve = s.pool.tao_reserve.saturating_add(Tao(tao_in_u64));
            minted = minted.saturating_add(tao_in_u64);
            // Owner cut.
            let owner_cut = alpha_out.saturating_mul(cut);
            let owner_cut_u64 = owner_cut.saturating_to_num::<u64>();
            s.pending.owner_cut = s.pending.owner_cut.saturating_add(Alpha(owner_cut_u64));
            let remaining = alpha_out.saturating_sub(owner_cut);
            // Root alpha, on the issuance after this block's injection, sold fee-less.
            let issuance = I96F32::saturating_from_num(s.alpha_issuance());
            let root_prop = tao_weight
                .checked_div_fast(tao_weight.saturating_add(issuance))
                .unwrap_or(zero);
            let root_alpha = root_prop
                .saturating_mul(remaining)
                .saturating_mul(I96F32::from_num(0.5));
            let pending_alpha = remaining.saturating_sub(root_alpha);
            let root_alpha_u64 = root_alpha.saturating_to_num::<u64>();
            let sold = launch_sell(s, root_alpha_u64);
            let root_tao = sold.unwrap_or(0);
            s.pending_alpha_swapped = s
                .pending_alpha_swapped
                .saturating_add(Alpha(root_alpha_u64));
            s.pending.emission = s
                .pending
                .emission
                .saturating_add(Alpha(pending_alpha.saturating_to_num::<u64>()));
            s.pending_root_tao = s.pending_root_tao.saturating_add(Tao(root_tao));
            // Outstanding but assigned to nobody: the floors, and root alpha the pool refused.
            let sold_alpha = if sold.is_some() { root_alpha_u64 } else { 0 };
            s.alpha_dust = s.alpha_dust.saturating_add(Alpha(
                alpha_out_u64
                    .saturating_sub(sold_alpha)
                    .saturating_sub(owner_cut_u64)
                    .saturating_sub(pending_alpha.saturating_to_num::<u64>()),
            ));
            let to96 = |x: I96F32| U96F32::saturating_from_num(x);
            let record = SubnetCoinbase {
                index,
                share: ShareRow {
                    tao_emission: to96(share_tao),
                    ..ShareRow::default()
                },
                terms: Terms {
                    alpha_emission: to96(alpha_emission),
                    price: to96(price),
                    root_proportion: to96(root_prop),
                    tao_in: to96(tao_in),
                    alpha_in: to96(alpha_in),
                    alpha_out: to96(alpha_out),
                    ..Terms::default()
                },
                injected: Injected {
                    tao_in_u64,
                    alpha_in_u64,
                    actual_tao: tao_in_u64,
                    actual_alpha: alpha_in_u64,
                    credit_spent: tao_in_u64,
                    ..Injected::default()
                },
                split: Split {
                    alpha_created: alpha_out_u64,
                    owner_cut: to96(owner_cut),
                    owner_cut_u64,
                    root_proportion_after_mint: to96(root_prop),
                    root_alpha: to96(root_alpha),
                    root_alpha_u64,
                    pending_server: to96(pending_alpha),
                    pending_server_u64: pending_alpha.saturating_to_num::<u64>(),
                    root_sell_tao: root_tao,
                    root_sell_executed: sold.is_some(),
                    ..Split::default()
                },
                ema: None,
            };
            s.last_emission = BlockEmission {
                share: if total == zero {
                    0.0
                } else {
                    moving_of(s).to_num::<f64>() / total.to_num::<f64>()
                },
                tao_emission: Tao(share_tao.saturating_to_num::<u64>()),
                tao_in: Tao(tao_in_u64),
                alpha_in: Alpha(alpha_in_u64),
                alpha_out: Alpha(alpha_out_u64),
                excess_tao: Tao::ZERO,
                owner_cut: Alpha(owner_cut_u64),
                root_alpha: Alpha(root_alpha_u64),
                root_proportion: root_prop.to_num::<f64>(),
            };
            report.subnets.push(record);
        }
        report.launch_minted = minted;
        report.credit_spent = minted;
        report.credit_left = 0;
        &self.report
    }

    /// `update_moving_prices` (block_step, after the coinbase and the epochs): the EMA of every
    /// subnet that was in this block's emit set, with the spot price after the block.
    pub fn update_moving_prices(
        &mut self,
        rules: &Rules,
        params: &CoinbaseParams,
        subnets: &mut [Subnet],
    ) {
        for r in self.report.subnets.iter_mut() {
            let s = &mut subnets[r.index];
            let update = update_moving_price(
                rules.moving_price,
                MovingPriceInput {
                    block: params.block,
                    first_emission_block: s.first_emission_block,
                    halving_blocks: s.ema_price_halving_blocks,
                    moving_alpha: params.moving_alpha,
                    // `get_moving_alpha_price`: a stable subnet's is 1 (and so stays 1).
                    moving_price: match s.mechanism {
                        Mechanism::Stable => I96F32::from_num(1),
                        Mechanism::Dynamic => s.moving_price,
                    },
                    spot_price: current_alpha_price(rules.amm, s),
                },
            );
            s.moving_price = update.new_moving_price;
            r.ema = Some(update);
        }
    }
}

/// `inject_and_maybe_swap` for one subnet: the weight update for the protocol liquidity, the
/// fee-less chain buy of the excess at the maximum price (before the injected reserves are
/// added, as the chain does), then the alpha and TAO injections. `remaining` is the block's
/// unspent credit.
pub fn inject_and_maybe_swap(terms: &Terms, s: &mut Subnet, remaining: &mut u64) -> Injected {
    let mut out = Injected {
        tao_in_u64: floor_u64(terms.tao_in),
        alpha_in_u64: floor_u64(terms.alpha_in),
        excess_tao_u64: floor_u64(terms.excess_tao),
        ..Injected::default()
    };
    let (tao, alpha) = s
        .pool
        .adjust_protocol_liquidity(Tao(out.tao_in_u64), Alpha(out.alpha_in_u64));
    out.actual_tao = tao.0;
    out.actual_alpha = alpha.0;
    out.quote_weight_after_adjust = s.pool.weight.parts();
    if out.excess_tao_u64 > 0 && *remaining >= out.excess_tao_u64 {
        *remaining -= out.excess_tao_u64;
        out.credit_spent += out.excess_tao_u64;
        let buy = s
            .pool
            .swap(Side::Buy, out.excess_tao_u64, MAX_PRICE_LIMIT, true);
        match buy {
            Ok(result) => {
                s.alpha_out = s.alpha_out.saturating_add(Alpha(result.amount_paid_out));
                s.protocol_alpha = s
                    .protocol_alpha
                    .saturating_add(Alpha(result.amount_paid_out));
                s.flow.record_protocol_inflow(result.amount_paid_in);
                // The pool took amount_paid_in; anything unspent stays in the subnet account.
                let kept = out.excess_tao_u64.saturating_sub(result.amount_paid_in);
                s.account_surplus = s.account_surplus.saturating_add(Tao(kept));
            }
            Err(_) => {
                // The credit is spent to the subnet account even though the pool refused it.
                s.account_surplus = s.account_surplus.saturating_add(Tao(out.excess_tao_u64));
            }
        }
        out.chain_buy = Some(buy);
    }
    s.pool.alpha_reserve = s.pool.alpha_reserve.saturating_add(alpha);
    if !tao.is_zero() && *remaining >= tao.0 {
        *remaining -= tao.0;
        out.credit_spent += tao.0;
        s.pool.tao_reserve = s.pool.tao_reserve.saturating_add(tao);
        s.flow.record_protocol_inflow(tao.0);
    }
    out
}

/// The alpha_out split (`emit_to_subnets`, part 3): mint alpha_out, take the owner cut, split
/// the rest into the server half and the validator half less root alpha. Root alpha goes to
/// `PendingRootAlphaDivs` when the root-sell flag is on, else it is recycled. In the eras that
/// sold root alpha every block ([`RootDividends::SoldEveryBlock`]) it is sold into the pool for
/// TAO paid at the epoch, and miners and validators share one pending bucket.
pub fn split_alpha_out(
    rules: &Rules,
    params: &CoinbaseParams,
    terms: &Terms,
    root_sell_flag: bool,
    s: &mut Subnet,
) -> Split {
    let half = U96F32::from_num(0.5);
    let mut out = Split::default();
    let assigned_before = s.pending_alpha();
    let mut alpha_out = terms.alpha_out;
    out.alpha_created = floor_u64(alpha_out);
    s.alpha_out = s.alpha_out.saturating_add(Alpha(out.alpha_created));
    if s.owner_cut_enabled {
        let cut = U96F32::saturating_from_num(params.subnet_owner_cut)
            .checked_div_fast(U96F32::saturating_from_num(u16::MAX))
            .unwrap_or(U96F32::from_num(0));
        out.owner_cut = alpha_out.saturating_mul(cut);
        out.owner_cut_u64 = floor_u64(out.owner_cut);
        alpha_out = alpha_out.saturating_sub(out.owner_cut);
        s.pending.owner_cut = s.pending.owner_cut.saturating_add(Alpha(out.owner_cut_u64));
    }
    out.root_proportion_after_mint =
        root_proportion(params.root_tao, params.tao_weight, s.alpha_issuance());
    out.root_alpha = out
        .root_proportion_after_mint
        .saturating_mul(alpha_out)
        .saturating_mul(half);
    out.root_alpha_u64 = floor_u64(out.root_alpha);
    match rules.root_dividends {
        RootDividends::Claimable | RootDividends::None => {
            out.pending_server = alpha_out.saturating_mul(half);
            out.pending_server_u64 = floor_u64(out.pending_server);
            out.pending_validator = alpha_out
                .saturating_sub(out.pending_server)
                .saturating_sub(out.root_alpha);
            out.pending_validator_u64 = floor_u64(out.pending_validator);
            s.pending.server = s
                .pending
                .server
                .saturating_add(Alpha(out.pending_server_u64));
            s.pending.validator = s
                .pending
                .validator
                .saturating_add(Alpha(out.pending_validator_u64));
            if root_sell_flag {
                s.pending.root = s.pending.root.saturating_add(Alpha(out.root_alpha_u64));
            } else {
                out.root_alpha_recycled = true;
                s.alpha_out = s.alpha_out.saturating_sub(Alpha(out.root_alpha_u64));
            }
        }
        RootDividends::SoldEveryBlock => {
            let pending = alpha_out.saturating_sub(out.root_alpha);
            out.pending_server = pending;
            out.pending_server_u64 = floor_u64(pending);
            s.pending.emission = s
                .pending
                .emission
                .saturating_add(Alpha(out.pending_server_u64));
            let sold = match (rules.amm, s.mechanism) {
                (Amm::ConstantProductFlatFee, _) | (_, Mechanism::Stable) => {
                    launch_sell(s, out.root_alpha_u64)
                }
                _ => {
                    let sold = s
                        .pool
                        .swap(
                            Side::Sell,
                            out.root_alpha_u64,
                            crate::amm::MIN_PRICE_LIMIT,
                            true,
                        )
                        .ok()
                        .map(|r| r.amount_paid_out);
                    if sold.is_some() {
                        s.alpha_out = s.alpha_out.saturating_sub(Alpha(out.root_alpha_u64));
                    }
                    sold
                }
            };
            if let Some(tao) = sold {
                out.root_sell_tao = tao;
                out.root_sell_executed = true;
            }
            s.pending_alpha_swapped = s
                .pending_alpha_swapped
                .saturating_add(Alpha(out.root_alpha_u64));
            s.pending_root_tao = s.pending_root_tao.saturating_add(Tao(out.root_sell_tao));
        }
    }
    // What the buckets did not receive stays outstanding, unassigned (spec 2.8): the floors,
    // and root alpha that could not be sold.
    let assigned = s.pending_alpha() - assigned_before;
    let left_outstanding = match (out.root_alpha_recycled, out.root_sell_executed) {
        (true, _) => out.alpha_created.saturating_sub(out.root_alpha_u64),
        (false, true) => out.alpha_created.saturating_sub(out.root_alpha_u64),
        (false, false) => out.alpha_created,
    };
    s.alpha_dust = s
        .alpha_dust
        .saturating_add(Alpha(left_outstanding.saturating_sub(assigned)));
    out
}

/// The launch era's fee-less `swap_alpha_for_tao`: the constant-product curve (refused, with
/// nothing changed, below the minimum pool liquidity), or 1:1 on a stable subnet. Moves the
/// alpha from `SubnetAlphaOut` into the reserve and returns the TAO paid out of `SubnetTAO`.
fn launch_sell(s: &mut Subnet, alpha: u64) -> Option<u64> {
    let tao = match s.mechanism {
        Mechanism::Dynamic => s.pool.launch_swap(Side::Sell, alpha)?,
        Mechanism::Stable => {
            s.pool.alpha_reserve = s.pool.alpha_reserve.saturating_add(Alpha(alpha));
            s.pool.tao_reserve = s.pool.tao_reserve.saturating_sub(Tao(alpha));
            alpha
        }
    };
    s.alpha_out = s.alpha_out.saturating_sub(Alpha(alpha));
    Some(tao)
}

/// The spot price a trace shows under the era's AMM, as f64.
pub fn spot_price_f64(amm: Amm, s: &Subnet) -> f64 {
    current_alpha_price(amm, s).to_num::<f64>()
}
