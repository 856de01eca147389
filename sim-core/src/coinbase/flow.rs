//! Splitting the block's TAO across subnets by TAO flow (spec 2.11): the "Taoflow" eras, from
//! 2025-11-04 until the return to price shares on 2026-06-22.
//!
//! Mirrors `coinbase/subnet_emissions.rs` in two forms ([`FlowVariant`]):
//! * [`FlowVariant::Plain`] (`52378dc3e`, 2025-12-09): shares from the EMA of the user flow
//!   `SubnetTaoFlow` only; `get_subnet_block_emissions` has no `SubnetEmissionEnabled` flag.
//! * [`FlowVariant::Net`] (`486037ba4`, 2026-05-27): both EMAs are updated every block; with
//!   `NetTaoFlowEnabled` the positive protocol EMA, scaled down by
//!   k = min(1, Σ max(user, 0) / Σ max(protocol, 0)), is subtracted from the user EMA; emission-
//!   disabled subnets are zeroed and the rest renormalised.
//!
//! The steps, each named after the chain function it follows:
//! 1. [`update_flow_ema`] (`get_ema_flow`, `update_ema_protocol_flow`): once per block,
//!    `EMA ← (1 − a)·EMA + a·flow` with a = `FlowEmaSmoothingFactor` / i64::MAX (I64F64), and the
//!    accumulator is cleared; a second call in the same block returns the stored EMA.
//! 2. the net flow and the lower limit L = max(cutoff, min(min_i net_i, 0)) (`get_lower_limit`);
//!    z_i = max(net_i − L, 0) in U64F64.
//! 3. `inplace_pow_normalize`: z scaled so max z = 1 (`inplace_scale`), then, unless
//!    n·max² < i32::MAX/u64::MAX, z^p / Σ z^p computed by [`pow_via_exp_ln`] (`safe_pow`: I32F32
//!    `exp(p·ln z)`) after scaling by √(i32::MAX / (n·max²)) ([`bisection_sqrt`],
//!    `checked_sqrt`). When the bound fails the prescaled z are the shares.
//! 4. `get_subnet_block_emissions`: E_i = U96F32(U64F64(E)·share_i).
//!
//! Every division is the chain's `safe_div`: 0 on a zero divisor and on overflow.

use super::shares::{ShareRow, ShareTotals};
use crate::fixed_div::CheckedDivFast;
use substrate_fixed::transcendental::{exp, ln};
use substrate_fixed::types::{I32F32, I64F64, U64F64, U96F32};

/// `SubnetEmaTaoFlow` / `SubnetEmaProtocolFlow` value: (last_block, ema).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlowEma {
    pub last_block: u64,
    pub ema: I64F64,
}

/// One subnet's flow state.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SubnetFlow {
    /// `SubnetEmaTaoFlow` (None = never stored).
    pub user_ema: Option<FlowEma>,
    /// `SubnetTaoFlow`: this block's user flow accumulator (rao).
    pub user_flow: i64,
    /// `SubnetEmaProtocolFlow` (None = never stored).
    pub protocol_ema: Option<FlowEma>,
    /// `SubnetProtocolFlow`: this block's protocol flow accumulator (rao).
    pub protocol_flow: i64,
}

/// The chain's `u64::from(tao) as i64`: a bit cast (values above i64::MAX turn negative), which
/// is what `record_*_inflow/outflow` feed into the saturating accumulator.
#[allow(clippy::cast_possible_wrap)]
fn as_flow(tao: u64) -> i64 {
    tao as i64
}

impl SubnetFlow {
    /// `record_tao_inflow`: stake bought, registration burned.
    pub fn record_user_inflow(&mut self, tao: u64) {
        self.user_flow = self.user_flow.saturating_add(as_flow(tao));
    }

    /// `record_tao_outflow`: stake sold (amount paid out plus the author fee).
    pub fn record_user_outflow(&mut self, tao: u64) {
        self.user_flow = self.user_flow.saturating_sub(as_flow(tao));
    }

    /// `record_protocol_inflow`: TAO injected, excess used for chain buys.
    pub fn record_protocol_inflow(&mut self, tao: u64) {
        self.protocol_flow = self.protocol_flow.saturating_add(as_flow(tao));
    }

    /// `record_protocol_outflow`: root-claim sell proceeds.
    pub fn record_protocol_outflow(&mut self, tao: u64) {
        self.protocol_flow = self.protocol_flow.saturating_sub(as_flow(tao));
    }
}

/// Which era's flow shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowVariant {
    /// `52378dc3e`: user flow only, no emission-enabled flag.
    Plain,
    /// `486037ba4` with `NetTaoFlowEnabled = true` (its default): net flow, both EMAs, and the
    /// `SubnetEmissionEnabled` renormalisation. For `NetTaoFlowEnabled = false` see
    /// [`flow_shares_toggled`].
    Net,
}

/// The flow storage parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlowParams {
    /// `FlowEmaSmoothingFactor` (a = value / i64::MAX).
    pub smoothing_factor: u64,
    /// `TaoFlowCutoff`.
    pub cutoff: I64F64,
    /// `FlowNormExponent` (p).
    pub norm_exponent: U64F64,
}

/// `DefaultFlowEmaSmoothingFactor`: a ≈ 3.209e-6, a half-life of about 216,000 blocks.
pub const DEFAULT_FLOW_EMA_SMOOTHING_FACTOR: u64 = 29_597_889_189_277;

impl Default for FlowParams {
    /// The chain defaults: smoothing 29,597,889,189,277, cutoff 0, p = 1.
    fn default() -> Self {
        Self {
            smoothing_factor: DEFAULT_FLOW_EMA_SMOOTHING_FACTOR,
            cutoff: I64F64::from_num(0),
            norm_exponent: U64F64::from_num(1),
        }
    }
}

/// One EMA read of one subnet (`get_ema_flow` / `update_ema_protocol_flow`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EmaRead {
    /// The EMA the block uses.
    pub value: I64F64,
    /// False when the stored EMA was already of this block (returned as is, accumulator kept).
    pub updated: bool,
}

/// Every intermediate of one [`flow_shares`] call, in the order of the emit set. Reuse one
/// value across calls: its vectors are cleared, not reallocated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowDetail {
    pub user_ema: Vec<EmaRead>,
    /// Empty for [`FlowVariant::Plain`].
    pub protocol_ema: Vec<EmaRead>,
    /// Σ max(user EMA, 0) and Σ max(protocol EMA, 0); None unless the net flow is on.
    pub user_positive_ema_sum: Option<I64F64>,
    pub protocol_positive_ema_sum: Option<I64F64>,
    /// k (0 when the net flow is off); None for [`FlowVariant::Plain`].
    pub norm_factor: Option<I64F64>,
    /// The (net) EMA flow of each subnet.
    pub ema_flows: Vec<I64F64>,
    /// L.
    pub lower_limit: I64F64,
    /// z_i = max(flow_i − L, 0).
    pub offset_flows: Vec<U64F64>,
    /// z_i / max z.
    pub prescaled_flows: Vec<U64F64>,
    /// n · (max prescaled)².
    pub max_times_count: U64F64,
    /// Whether the power normalisation ran (else the prescaled flows are the shares).
    pub normalized: bool,
    /// √(i32::MAX / max_times_count), when normalised.
    pub flow_factor: Option<U64F64>,
    /// (flow_factor · z_i)^p, when normalised (else empty).
    pub pow_values: Vec<U64F64>,
    /// Σ pow_values, when normalised.
    pub pow_sum: Option<U64F64>,
}

impl FlowDetail {
    fn reset(&mut self) {
        self.user_ema.clear();
        self.protocol_ema.clear();
        self.user_positive_ema_sum = None;
        self.protocol_positive_ema_sum = None;
        self.norm_factor = None;
        self.ema_flows.clear();
        self.lower_limit = I64F64::from_num(0);
        self.offset_flows.clear();
        self.prescaled_flows.clear();
        self.max_times_count = U64F64::from_num(0);
        self.normalized = false;
        self.flow_factor = None;
        self.pow_values.clear();
        self.pow_sum = None;
    }
}

/// The EMA a stored value stands for: a missing one reads as (0, 0).
fn stored_or_zero(stored: Option<FlowEma>) -> (u64, I64F64) {
    stored.map_or((0, I64F64::from_num(0)), |e| (e.last_block, e.ema))
}

/// The chain's `safe_div` on I64F64.
fn div_or_zero_i(a: I64F64, b: I64F64) -> I64F64 {
    a.checked_div_fast(b).unwrap_or(I64F64::from_num(0))
}

/// The chain's `safe_div` on U64F64.
fn div_or_zero(a: U64F64, b: U64F64) -> U64F64 {
    a.checked_div_fast(b).unwrap_or(U64F64::from_num(0))
}

/// One block's EMA step, mirroring `get_ema_flow` (user) and `update_ema_protocol_flow`
/// (protocol), which are the same code on different storage: unless the stored EMA is already
/// of `block` (a missing EMA counts as block 0, value 0), the new EMA
/// `(1 − a)·ema + a·flow` (I64F64, a = smoothing / i64::MAX) is stored with `block` and the
/// accumulator is cleared. Otherwise the stored value is returned and nothing changes.
pub fn update_flow_ema(
    stored: &mut Option<FlowEma>,
    accumulator: &mut i64,
    block: u64,
    smoothing_factor: u64,
) -> EmaRead {
    let (last_block, previous) = stored_or_zero(*stored);
    if last_block == block {
        return EmaRead {
            value: previous,
            updated: false,
        };
    }
    let a = div_or_zero_i(
        I64F64::saturating_from_num(smoothing_factor),
        I64F64::saturating_from_num(i64::MAX),
    );
    let keep = I64F64::from_num(1).saturating_sub(a);
    let flow = I64F64::saturating_from_num(*accumulator);
    let ema = keep
        .saturating_mul(previous)
        .saturating_add(a.saturating_mul(flow));
    *stored = Some(FlowEma {
        last_block: block,
        ema,
    });
    *accumulator = 0;
    EmaRead {
        value: ema,
        updated: true,
    }
}

/// The EMA value the block reads after [`update_flow_ema`] ran: the stored one (0 if none).
fn ema_now(stored: Option<FlowEma>) -> I64F64 {
    stored_or_zero(stored).1
}

/// The flow a subnet is ranked by (`get_shares_flow`): the user EMA, less k times a positive
/// protocol EMA when the net flow is on (a negative protocol EMA is subtracted unscaled).
fn ranked_flow(flow: &SubnetFlow, net: Option<I64F64>) -> I64F64 {
    let user = ema_now(flow.user_ema);
    match net {
        None => user,
        Some(k) => {
            let protocol = ema_now(flow.protocol_ema);
            let cost = if protocol > I64F64::from_num(0) {
                k.saturating_mul(protocol)
            } else {
                protocol
            };
            user.saturating_sub(cost)
        }
    }
}

/// `checked_sqrt` of the chain's `safe-math` for U64F64: bisection on [min(x, 1), max(x, 1)]
/// until |x / m − m| ≤ ε, at most 129 halvings; the division is `safe_div`.
pub fn bisection_sqrt(x: U64F64, epsilon: U64F64) -> U64F64 {
    let one = U64F64::from_num(1);
    let two = U64F64::from_num(2);
    let (mut low, mut high) = if x > one {
        (U64F64::from_num(0), x)
    } else {
        (x, one)
    };
    let mut mid = div_or_zero(high.saturating_add(low), two);
    let mut quotient = div_or_zero(x, mid);
    let gap = |a: U64F64, b: U64F64| {
        if a < b {
            b.saturating_sub(a)
        } else {
            a.saturating_sub(b)
        }
    };
    let mut steps: i32 = 0;
    while gap(quotient, mid) > epsilon {
        if quotient < mid {
            high = mid;
        } else {
            low = mid;
        }
        mid = div_or_zero(high.saturating_add(low), two);
        quotient = div_or_zero(x, mid);
        steps += 1;
        if steps > 128 {
            break;
        }
    }
    mid
}

/// `safe_pow`: x^p as `exp(p·ln x)` in I32F32. x is first narrowed to I32F32 (saturating,
/// 32 fractional bits); if that is 0 the result is 0; if `exp` overflows the result is i32::MAX.
pub fn pow_via_exp_ln(x: U64F64, p: U64F64) -> U64F64 {
    match ln::<I32F32, I32F32>(I32F32::saturating_from_num(x)) {
        Ok(log) => {
            let scaled = I32F32::saturating_from_num(p).saturating_mul(log);
            let power = exp::<I32F32, I32F32>(scaled)
                .unwrap_or_else(|()| I32F32::saturating_from_num(i32::MAX));
            U64F64::saturating_from_num(power)
        }
        Err(()) => U64F64::from_num(0),
    }
}

/// Computes the flow shares and E_i of the emit set. See [`flow_shares_toggled`]; this is it
/// with `NetTaoFlowEnabled` at its default (true) for [`FlowVariant::Net`].
#[allow(clippy::too_many_arguments)]
pub fn flow_shares(
    variant: FlowVariant,
    block: u64,
    params: &FlowParams,
    block_emission: u64,
    flows: &mut [SubnetFlow],
    emission_enabled: &[bool],
    out: &mut Vec<ShareRow>,
    detail: Option<&mut FlowDetail>,
) -> ShareTotals {
    flow_shares_toggled(
        variant,
        true,
        block,
        params,
        block_emission,
        flows,
        emission_enabled,
        out,
        detail,
    )
}

/// Updates the EMAs of the emit-set subnets (`flows`, netuid order), computes their shares
/// (`get_shares_flow`) and E_i (`get_subnet_block_emissions`) for a block emission of
/// `block_emission` rao.
///
/// * `net_tao_flow_enabled` is `NetTaoFlowEnabled` (read by [`FlowVariant::Net`] only; with
///   false the protocol EMA is still updated but the shares use the user EMA alone).
/// * `emission_enabled[i]` is `SubnetEmissionEnabled` (ignored by [`FlowVariant::Plain`]; a
///   missing entry counts as enabled).
/// * `out` gets one row per subnet: `share` (the `get_shares` result), `final_share` (after the
///   enabled renormalisation) and `tao_emission`; `price_share` and `miner_burn_weighted` are 0.
/// * `detail`, when given, receives every intermediate.
///
/// No heap allocation beyond growing `out` (and `detail`'s vectors when given): the rows
/// themselves hold the offsets and powers while they are computed.
#[allow(clippy::too_many_arguments)]
pub fn flow_shares_toggled(
    variant: FlowVariant,
    net_tao_flow_enabled: bool,
    block: u64,
    params: &FlowParams,
    block_emission: u64,
    flows: &mut [SubnetFlow],
    emission_enabled: &[bool],
    out: &mut Vec<ShareRow>,
    mut detail: Option<&mut FlowDetail>,
) -> ShareTotals {
    let zero_i = I64F64::from_num(0);
    let zero = U64F64::from_num(0);
    let n = flows.len();
    out.clear();
    out.resize(n, ShareRow::default());
    if let Some(d) = detail.as_deref_mut() {
        d.reset();
    }
    let with_protocol = variant == FlowVariant::Net;
    let net_on = with_protocol && net_tao_flow_enabled;

    // 1. EMAs (user, then protocol, subnet by subnet) and the positive sums.
    let (mut user_pos, mut protocol_pos) = (zero_i, zero_i);
    for f in flows.iter_mut() {
        let user = update_flow_ema(
            &mut f.user_ema,
            &mut f.user_flow,
            block,
            params.smoothing_factor,
        );
        user_pos = user_pos.saturating_add(user.value.max(zero_i));
        if let Some(d) = detail.as_deref_mut() {
            d.user_ema.push(user);
        }
        if with_protocol {
            let protocol = update_flow_ema(
                &mut f.protocol_ema,
                &mut f.protocol_flow,
                block,
                params.smoothing_factor,
            );
            protocol_pos = protocol_pos.saturating_add(protocol.value.max(zero_i));
            if let Some(d) = detail.as_deref_mut() {
                d.protocol_ema.push(protocol);
            }
        }
    }

    // 2. k, the ranked flows and the lower limit.
    let norm_factor = if !net_on || protocol_pos <= zero_i {
        zero_i
    } else {
        div_or_zero_i(user_pos, protocol_pos).min(I64F64::from_num(1))
    };
    let net = net_on.then_some(norm_factor);
    let lowest = flows
        .iter()
        .map(|f| ranked_flow(f, net).min(zero_i))
        .min()
        .unwrap_or(zero_i);
    let lower_limit = params.cutoff.max(lowest);
    if let Some(d) = detail.as_deref_mut() {
        if with_protocol {
            d.norm_factor = Some(norm_factor);
        }
        if net_on {
            d.user_positive_ema_sum = Some(user_pos);
            d.protocol_positive_ema_sum = Some(protocol_pos);
        }
        d.lower_limit = lower_limit;
    }

    // 3. z_i (held in `share` until the shares are known), and max z.
    let mut max_offset = zero;
    for (row, f) in out.iter_mut().zip(flows.iter()) {
        let flow = ranked_flow(f, net);
        row.share = if flow > lower_limit {
            U64F64::saturating_from_num(flow.saturating_sub(lower_limit))
        } else {
            zero
        };
        max_offset = max_offset.max(row.share);
        if let Some(d) = detail.as_deref_mut() {
            d.ema_flows.push(flow);
            d.offset_flows.push(row.share);
        }
    }

    // 4. `inplace_scale`: max z → 1 (a factor that would overflow is 0).
    let to_unit = div_or_zero(U64F64::from_num(1), max_offset);
    let mut max_prescaled = zero;
    for row in out.iter_mut() {
        row.share = to_unit.saturating_mul(row.share);
        max_prescaled = max_prescaled.max(row.share);
        if let Some(d) = detail.as_deref_mut() {
            d.prescaled_flows.push(row.share);
        }
    }

    // 5. `inplace_pow_normalize`: powers held in `final_share`, then share = power / Σ power.
    let i32_max = U64F64::from_num(i32::MAX);
    let max_times_count =
        U64F64::saturating_from_num(n).saturating_mul(max_prescaled.saturating_mul(max_prescaled));
    let precision_floor = div_or_zero(i32_max, U64F64::from_num(u64::MAX));
    let normalized = max_times_count >= precision_floor;
    if let Some(d) = detail.as_deref_mut() {
        d.max_times_count = max_times_count;
        d.normalized = normalized;
    }
    if normalized {
        let epsilon = div_or_zero(U64F64::from_num(1), U64F64::from_num(1_000));
        let flow_factor = bisection_sqrt(div_or_zero(i32_max, max_times_count), epsilon);
        let mut pow_sum = zero;
        for row in out.iter_mut() {
            row.final_share =
                pow_via_exp_ln(flow_factor.saturating_mul(row.share), params.norm_exponent);
            pow_sum = pow_sum.saturating_add(row.final_share);
            if let Some(d) = detail.as_deref_mut() {
                d.pow_values.push(row.final_share);
            }
        }
        for row in out.iter_mut() {
            row.share = div_or_zero(row.final_share, pow_sum);
        }
        if let Some(d) = detail {
            d.flow_factor = Some(flow_factor);
            d.pow_sum = Some(pow_sum);
        }
    }

    // 6. `get_subnet_block_emissions`.
    let is_enabled = |i: usize| !with_protocol || emission_enabled.get(i).copied().unwrap_or(true);
    let mut totals = ShareTotals::default();
    for (i, row) in out.iter().enumerate() {
        if is_enabled(i) {
            totals.enabled_share_sum = totals.enabled_share_sum.saturating_add(row.share);
        } else {
            totals.has_disabled_subnets = true;
        }
    }
    let emission = U64F64::saturating_from_num(U96F32::saturating_from_num(block_emission));
    for (i, row) in out.iter_mut().enumerate() {
        row.final_share = if !totals.has_disabled_subnets {
            row.share
        } else if is_enabled(i) && totals.enabled_share_sum > zero {
            div_or_zero(row.share, totals.enabled_share_sum)
        } else {
            zero
        };
        row.tao_emission = U96F32::saturating_from_num(emission.saturating_mul(row.final_share));
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subnet(ema: f64, last_block: u64) -> SubnetFlow {
        SubnetFlow {
            user_ema: Some(FlowEma {
                last_block,
                ema: I64F64::from_num(ema),
            }),
            ..SubnetFlow::default()
        }
    }

    fn run(
        variant: FlowVariant,
        flows: &mut [SubnetFlow],
        params: &FlowParams,
    ) -> (Vec<ShareRow>, FlowDetail) {
        let mut out = Vec::new();
        let mut detail = FlowDetail::default();
        let enabled = vec![true; flows.len()];
        flow_shares(
            variant,
            100,
            params,
            1_000_000_000,
            flows,
            &enabled,
            &mut out,
            Some(&mut detail),
        );
        (out, detail)
    }

    #[test]
    fn p_one_shares_are_flow_over_sum() {
        let emas = [300_000.0, 100_000.0, 50_000.0, -20_000.0, 0.0];
        let mut flows: Vec<_> = emas.iter().map(|&e| subnet(e, 100)).collect();
        let params = FlowParams {
            cutoff: I64F64::from_num(-1_000_000),
            ..FlowParams::default()
        };
        let (rows, detail) = run(FlowVariant::Plain, &mut flows, &params);
        // Same block: the stored EMAs are used; L = max(−1e6, min(−20000, 0)) and
        // z = ema + 20000.
        assert_eq!(detail.lower_limit, I64F64::from_num(-20_000));
        let z: Vec<f64> = emas.iter().map(|e| e + 20_000.0).collect();
        let sum: f64 = z.iter().sum();
        for (row, zi) in rows.iter().zip(&z) {
            let got = row.share.to_num::<f64>();
            // exp(ln z) in I32F32 is good to about 1e-9 relative (the golden README saw up to
            // 7e-9 against z/Σz), so 1e-9 would be too tight: this one is off by 1.2e-9.
            assert!((got - zi / sum).abs() < 1e-8, "{got} vs {}", zi / sum);
            assert_eq!(row.final_share, row.share);
        }
        assert_eq!(rows[3].share, U64F64::from_num(0));
        let total: f64 = rows.iter().map(|r| r.tao_emission.to_num::<f64>()).sum();
        assert!((total - 1e9).abs() < 1.0);
    }

    #[test]
    fn all_negative_flows_give_zero_shares() {
        let mut flows: Vec<_> = [-5.0, -1.0, -300.0]
            .iter()
            .map(|&e| subnet(e, 99))
            .collect();
        let (rows, detail) = run(FlowVariant::Net, &mut flows, &FlowParams::default());
        assert!(!detail.normalized);
        assert!(detail.pow_values.is_empty());
        for row in &rows {
            assert_eq!(row.share, U64F64::from_num(0));
            assert_eq!(row.tao_emission, U96F32::from_num(0));
        }
    }

    #[test]
    fn same_block_returns_stored_ema_and_keeps_accumulator() {
        let mut stored = Some(FlowEma {
            last_block: 7,
            ema: I64F64::from_num(12.5),
        });
        let mut acc = 1_000;
        let read = update_flow_ema(&mut stored, &mut acc, 7, DEFAULT_FLOW_EMA_SMOOTHING_FACTOR);
        assert_eq!(read.value, I64F64::from_num(12.5));
        assert!(!read.updated);
        assert_eq!(acc, 1_000);
        assert_eq!(stored.map(|e| e.last_block), Some(7));

        // Next block with a = 1: the EMA becomes this block's flow and the accumulator clears.
        let read = update_flow_ema(&mut stored, &mut acc, 8, i64::MAX as u64);
        assert!(read.updated);
        assert_eq!(read.value, I64F64::from_num(1_000));
        assert_eq!(acc, 0);
        assert_eq!(
            stored,
            Some(FlowEma {
                last_block: 8,
                ema: I64F64::from_num(1_000)
            })
        );
    }

    #[test]
    fn net_flow_subtracts_scaled_protocol_ema() {
        // user 100 and 300 (Σ⁺ 400), protocol 800 and 0 (Σ⁺ 800): k = 0.5, net = 100 − 400, 300.
        let mut flows = vec![subnet(100.0, 100), subnet(300.0, 100)];
        flows[0].protocol_ema = Some(FlowEma {
            last_block: 100,
            ema: I64F64::from_num(800),
        });
        flows[1].protocol_ema = Some(FlowEma {
            last_block: 100,
            ema: I64F64::from_num(0),
        });
        let (rows, detail) = run(FlowVariant::Net, &mut flows, &FlowParams::default());
        assert_eq!(detail.norm_factor, Some(I64F64::from_num(0.5)));
        assert_eq!(
            detail.ema_flows,
            vec![I64F64::from_num(-300), I64F64::from_num(300)]
        );
        // L = max(0, −300) = 0: z = 0 and 300, so the second subnet takes everything.
        assert_eq!(rows[0].share, U64F64::from_num(0));
        assert!((rows[1].share.to_num::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn recorders_saturate() {
        let mut f = SubnetFlow::default();
        f.record_user_inflow(5);
        f.record_user_outflow(7);
        assert_eq!(f.user_flow, -2);
        f.record_protocol_inflow(i64::MAX as u64);
        f.record_protocol_inflow(10);
        assert_eq!(f.protocol_flow, i64::MAX);
    }

    #[test]
    fn sqrt_is_close() {
        let eps = U64F64::from_num(0.001);
        let r = bisection_sqrt(U64F64::from_num(2_147_483_647u64), eps).to_num::<f64>();
        assert!((r - 2_147_483_647f64.sqrt()).abs() < 1e-3);
        let r = bisection_sqrt(U64F64::from_num(0.25), eps).to_num::<f64>();
        assert!((r - 0.5).abs() < 1e-3);
    }
}
