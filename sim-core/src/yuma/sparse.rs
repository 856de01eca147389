//! The epoch in the chain's own order over sparse rows (`epoch_mechanism`), over scratch buffers
//! that are reused from one call to the next: after the first epoch at a given size, an epoch
//! allocates nothing (tested with a counting allocator).
//!
//! This is the first port, kept unchanged (it matched every golden epoch bit for bit before the
//! dense path existed). It has two jobs: it runs the epochs the dense path does not take (see
//! `dense::eligible`), and it is the oracle of the differential test (`yuma/tests.rs`), which
//! compares the dense path with it over thousands of random epochs. Do not optimise it: its
//! value is that it follows the chain line by line.

use super::math::*;
use super::{EpochInput, EpochOutput};
use substrate_fixed::types::{I32F32, I64F64, I96F32, U96F32};

/// The sparse path. Holds every buffer it needs, reused by later calls.
#[derive(Default)]
pub(super) struct Sparse {
    s: Scratch,
}

#[derive(Default)]
struct Scratch {
    last_update: Vec<u64>,
    inactive: Vec<bool>,
    total_stake: Vec<I64F64>,
    filtered: Vec<I64F64>,
    stake: Vec<I32F32>,
    permits: Vec<bool>,
    forbids: Vec<bool>,
    new_permits: Vec<bool>,
    idx: Vec<usize>,
    active_stake: Vec<I32F32>,
    weights: Vec<Row>,
    use_stake: Vec<I32F32>,
    columns: Vec<Vec<I32F32>>,
    consensus: Vec<I32F32>,
    clipped: Vec<Row>,
    trust: Vec<I32F32>,
    incentive: Vec<I32F32>,
    weights_for_bonds: Vec<Row>,
    bonds: Vec<Row>,
    delta: Vec<Row>,
    ema: Vec<Row>,
    norm: Vec<Row>,
    alphas: Vec<Vec<I32F32>>,
    dense_a: Vec<I32F32>,
    dense_b: Vec<I32F32>,
    col: Vec<I32F32>,
    dividends: Vec<I32F32>,
    combined: Vec<I32F32>,
    server: Vec<I32F32>,
    validator: Vec<I32F32>,
    combined_norm: Vec<I32F32>,
    current: Vec<usize>,
    lower: Vec<usize>,
    upper: Vec<usize>,
}

/// `n` empty rows, keeping every row's capacity.
fn reset_rows(m: &mut Vec<Row>, n: usize) {
    m.truncate(n);
    m.iter_mut().for_each(Vec::clear);
    m.resize_with(n, Vec::new);
}

fn copy_rows(dst: &mut Vec<Row>, src: &[Row]) {
    reset_rows(dst, src.len());
    for (d, s) in dst.iter_mut().zip(src) {
        d.extend_from_slice(s);
    }
}

fn fill<T: Copy>(v: &mut Vec<T>, n: usize, x: T) {
    v.clear();
    v.resize(n, x);
}

fn wrapping_total(row: &[(u16, I32F32)]) -> I32F32 {
    row.iter().fold(ZERO, |a, (_, v)| {
        I32F32::from_bits(a.to_bits().wrapping_add(v.to_bits()))
    })
}

impl Sparse {
    /// One epoch (`epoch_mechanism`), in the chain's order.
    pub(super) fn run(&mut self, input: &EpochInput, out: &mut EpochOutput) {
        let s = &mut self.s;
        let n = input.n as usize;
        let current_block = input.current_block;
        let activity_cutoff = input.activity_cutoff();
        let owner = input.owner_uid;

        // Activity: the chain's getter pads `LastUpdate` with 0 up to n.
        s.last_update.clear();
        s.last_update.extend_from_slice(&input.last_update);
        s.last_update.resize(n, 0);
        s.inactive.clear();
        s.inactive.extend(
            s.last_update
                .iter()
                .map(|u| u.saturating_add(activity_cutoff) < current_block),
        );

        // Stake: alpha + tao_weight * tao (`get_stake_weights_for_network`), threshold, normalised.
        let tao_weight = I64F64::saturating_from_num(
            U96F32::saturating_from_num(input.tao_weight)
                .checked_div(U96F32::saturating_from_num(u64::MAX))
                .unwrap_or(U96F32::from_bits(0)),
        );
        s.total_stake.clear();
        s.total_stake.extend((0..n).map(|i| {
            let alpha = I64F64::saturating_from_num(input.alpha_stake[i]);
            let tao = I64F64::saturating_from_num(input.tao_stake[i]);
            alpha.saturating_add(tao.saturating_mul(tao_weight))
        }));
        s.filtered.clear();
        s.filtered
            .extend(s.total_stake.iter().enumerate().map(|(uid, st)| {
                if owner != Some(uid as u16)
                    && st.saturating_to_num::<u64>() < input.stake_threshold
                {
                    I64F64::from_bits(0)
                } else {
                    *st
                }
            }));
        inplace_normalize_64(&mut s.filtered);
        s.stake.clear();
        s.stake
            .extend(s.filtered.iter().map(|x| I32F32::saturating_from_num(*x)));

        // Permits. Not padded: a short permit vector leaves the owner without a permit entry,
        // masks every row it does not cover and, when empty, masks no stake at all, as on chain.
        s.permits.clear();
        s.permits.extend_from_slice(&input.validator_permit);
        if let Some(p) = owner.and_then(|o| s.permits.get_mut(o as usize)) {
            *p = true;
        }
        s.forbids.clear();
        s.forbids.extend(s.permits.iter().map(|b| !b));
        is_topk_nonzero(
            &s.stake,
            input.max_allowed_validators as usize,
            &mut s.idx,
            &mut s.new_permits,
        );
        if let Some(p) = owner.and_then(|o| s.new_permits.get_mut(o as usize)) {
            *p = true;
        }
        s.active_stake.clear();
        s.active_stake.extend_from_slice(&s.stake);
        inplace_mask_vector(&s.inactive, &mut s.active_stake);
        inplace_mask_vector(&s.forbids, &mut s.active_stake);
        inplace_normalize(&mut s.active_stake);

        // Weights: load (uids >= n dropped), mask rows without a permit, the diagonal (except the
        // owner's), weights set before the target registered, commit-reveal; row-normalise.
        reset_rows(&mut s.weights, n);
        for (i, row) in &input.weights {
            if let Some(dst) = s.weights.get_mut(*i as usize) {
                dst.extend(
                    row.iter()
                        .filter(|(j, _)| (*j as usize) < n)
                        .map(|(j, w)| (*j, I32F32::from_num(*w))),
                );
            }
        }
        let registered = |j: u16| {
            input
                .block_at_registration
                .get(j as usize)
                .copied()
                .unwrap_or(0)
        };
        for (i, row) in s.weights.iter_mut().enumerate() {
            if s.forbids.get(i).copied().unwrap_or(true) {
                row.clear();
            }
            row.retain(|(j, _)| i != *j as usize || owner == Some(*j));
            let updated = s.last_update[i];
            row.retain(|(j, _)| updated > registered(*j));
            if input.commit_reveal_enabled {
                let commit = input
                    .earliest_active_commit_block
                    .get(i)
                    .copied()
                    .flatten()
                    .unwrap_or(u64::MAX);
                row.retain(|(j, _)| commit >= registered(*j));
            }
        }
        inplace_row_normalize(&mut s.weights);

        // Consensus: stake-weighted kappa-quantile of each column over validators with stake
        // (`weighted_median_col_sparse`).
        let kappa = div(I32F32::from_num(input.kappa), I32F32::from_num(u16::MAX));
        s.use_stake.clear();
        s.use_stake
            .extend(s.active_stake.iter().copied().filter(|x| *x > ZERO));
        inplace_normalize(&mut s.use_stake);
        let stake_sum = sum(&s.use_stake);
        let minority = stake_sum.saturating_sub(kappa);
        let rows_used = s.use_stake.len();
        s.columns.truncate(n);
        s.columns.resize_with(n, Vec::new);
        for col in s.columns.iter_mut() {
            fill(col, rows_used, ZERO);
        }
        let mut k = 0usize;
        for (st, row) in s.active_stake.iter().zip(s.weights.iter()) {
            if *st > ZERO {
                for &(c, v) in row {
                    if let Some(cell) = s.columns.get_mut(c as usize).and_then(|col| col.get_mut(k))
                    {
                        *cell = v;
                    }
                }
                k += 1;
            }
        }
        s.consensus.clear();
        for col in &s.columns {
            let c = weighted_median(
                &s.use_stake,
                col,
                minority,
                ZERO,
                stake_sum,
                &mut s.current,
                &mut s.lower,
                &mut s.upper,
            );
            s.consensus.push(c);
        }

        // Clip, validator trust, ranks, incentive.
        reset_rows(&mut s.clipped, n);
        for (dst, row) in s.clipped.iter_mut().zip(s.weights.iter()) {
            for &(j, v) in row {
                let th = s.consensus.get(j as usize).copied().unwrap_or(ZERO);
                if th < v {
                    if th > ZERO {
                        dst.push((j, th));
                    }
                } else {
                    dst.push((j, v));
                }
            }
        }
        s.trust.clear();
        s.trust.extend(s.clipped.iter().map(|r| wrapping_total(r)));
        fill(&mut s.incentive, n, ZERO);
        for (row, st) in s.clipped.iter().zip(s.active_stake.iter()) {
            for &(j, v) in row {
                if let Some(r) = s.incentive.get_mut(j as usize) {
                    *r = r.saturating_add(st.saturating_mul(v));
                }
            }
        }
        inplace_normalize(&mut s.incentive);

        // Bonds: penalty interpolation, load, mask columns registered since the last step.
        let penalty = div(
            I32F32::from_num(input.bonds_penalty),
            I32F32::from_num(u16::MAX),
        );
        interpolate(
            &s.weights,
            &s.clipped,
            n,
            penalty,
            &mut s.dense_a,
            &mut s.dense_b,
            &mut s.weights_for_bonds,
        );
        let last_tempo = if input.last_mechanism_step_block == 0 {
            current_block.saturating_sub(u64::from(input.tempo))
        } else {
            input.last_mechanism_step_block.saturating_add(1)
        };
        reset_rows(&mut s.bonds, n);
        for (i, row) in &input.bonds {
            if let Some(dst) = s.bonds.get_mut(*i as usize) {
                dst.extend(row.iter().map(|(j, b)| {
                    let v = I32F32::from_num(*b);
                    (
                        *j,
                        if input.yuma3 {
                            div(v, I32F32::from_num(u16::MAX))
                        } else {
                            v
                        },
                    )
                }));
            }
        }
        for row in s.bonds.iter_mut() {
            row.retain(|(j, _)| last_tempo > registered(*j));
        }

        if input.yuma3 {
            if input.liquid_alpha
                && !s.consensus.is_empty()
                && s.consensus.iter().any(|c| *c != ZERO)
            {
                liquid_alphas(
                    input,
                    &s.weights_for_bonds,
                    &s.bonds,
                    &s.consensus,
                    &mut s.alphas,
                );
                ema_alpha(
                    &s.weights_for_bonds,
                    &s.bonds,
                    &s.alphas,
                    &mut s.dense_a,
                    &mut s.ema,
                );
            } else {
                ema(
                    &s.weights_for_bonds,
                    &s.bonds,
                    bond_alpha(input.bonds_moving_average),
                    n,
                    &mut s.dense_a,
                    &mut s.ema,
                );
            }
            copy_rows(&mut s.norm, &s.ema);
            inplace_col_normalize(&mut s.norm, n, &mut s.col);
            // Dividends: (sum_j B_ij I_j) * active stake, normalised.
            s.dividends.clear();
            for (row, st) in s.norm.iter().zip(s.active_stake.iter()) {
                let per_validator = row
                    .iter()
                    .filter_map(|&(j, v)| {
                        s.incentive
                            .get(j as usize)
                            .map(|inc| v.saturating_mul(*inc))
                    })
                    .filter(|v| *v != ZERO)
                    .fold(ZERO, |a, v| {
                        I32F32::from_bits(a.to_bits().wrapping_add(v.to_bits()))
                    });
                s.dividends
                    .push(per_validator.checked_mul(*st).unwrap_or(ZERO));
            }
            inplace_normalize(&mut s.dividends);
        } else {
            inplace_col_normalize(&mut s.bonds, n, &mut s.col);
            reset_rows(&mut s.delta, s.weights_for_bonds.len());
            for ((dst, row), st) in s
                .delta
                .iter_mut()
                .zip(s.weights_for_bonds.iter())
                .zip(s.active_stake.iter())
            {
                dst.extend(row.iter().map(|&(j, v)| (j, v.saturating_mul(*st))));
            }
            inplace_col_normalize(&mut s.delta, n, &mut s.col);
            ema(
                &s.delta,
                &s.bonds,
                bond_alpha_64(input.bonds_moving_average),
                n,
                &mut s.dense_a,
                &mut s.ema,
            );
            inplace_col_normalize(&mut s.ema, n, &mut s.col);
            s.dividends.clear();
            for row in &s.ema {
                let d = row.iter().fold(ZERO, |acc, &(j, v)| {
                    acc.saturating_add(
                        s.incentive
                            .get(j as usize)
                            .copied()
                            .unwrap_or(ZERO)
                            .saturating_mul(v),
                    )
                });
                s.dividends.push(d);
            }
            inplace_normalize(&mut s.dividends);
            inplace_col_max_upscale(&mut s.ema, n, &mut s.col);
        }

        // Emission shares and the all-zero fallbacks.
        s.combined.clear();
        s.combined.extend(
            s.incentive
                .iter()
                .zip(s.dividends.iter())
                .map(|(i, d)| i.saturating_add(*d)),
        );
        let emission_sum = sum(&s.combined);
        s.server.clear();
        s.server.extend_from_slice(&s.incentive);
        s.validator.clear();
        s.validator.extend_from_slice(&s.dividends);
        if emission_sum != ZERO {
            s.server.iter_mut().for_each(|x| *x = div(*x, emission_sum));
            s.validator
                .iter_mut()
                .for_each(|x| *x = div(*x, emission_sum));
        }
        s.combined_norm.clear();
        s.combined_norm.extend_from_slice(&s.combined);
        inplace_normalize(&mut s.combined_norm);
        if emission_sum == ZERO {
            // Server emission stays the (all-zero) incentive.
            let fallback = if sum(&s.active_stake) == ZERO {
                &s.stake
            } else {
                &s.active_stake
            };
            s.validator.clear();
            s.validator.extend_from_slice(fallback);
            s.combined_norm.clear();
            s.combined_norm.extend_from_slice(fallback);
        }
        write_output(s, input, activity_cutoff, out);
    }
}

/// Fills the output as `epoch_mechanism` stores it, reusing the output's buffers.
fn write_output(s: &Scratch, input: &EpochInput, activity_cutoff: u64, out: &mut EpochOutput) {
    let n = input.n as usize;
    let rao = I96F32::saturating_from_num(input.rao_emission);
    let amount = |v: &I32F32| {
        I96F32::saturating_from_num(*v)
            .saturating_mul(rao)
            .saturating_to_num::<u64>()
    };
    fn set<T, I: Iterator<Item = T>>(v: &mut Vec<T>, it: I) {
        v.clear();
        v.extend(it);
    }
    out.activity_cutoff = activity_cutoff;
    set(&mut out.active, s.inactive.iter().map(|x| !x));
    set(
        &mut out.new_validator_permit,
        (0..n).map(|i| s.new_permits.get(i).copied().unwrap_or(false)),
    );
    set(
        &mut out.stake_weight_u16,
        s.stake.iter().map(|x| proportion_to_u16(*x)),
    );
    set(
        &mut out.consensus_u16,
        s.consensus.iter().map(|x| proportion_to_u16(*x)),
    );
    set(
        &mut out.incentive_u16,
        s.incentive.iter().map(|x| proportion_to_u16(*x)),
    );
    set(
        &mut out.dividends_u16,
        s.dividends.iter().map(|x| proportion_to_u16(*x)),
    );
    set(
        &mut out.validator_trust_u16,
        s.trust.iter().map(|x| proportion_to_u16(*x)),
    );
    set(
        &mut out.consensus_bits,
        s.consensus.iter().map(|x| x.to_bits()),
    );
    set(
        &mut out.incentive_bits,
        s.incentive.iter().map(|x| x.to_bits()),
    );
    set(
        &mut out.dividends_bits,
        s.dividends.iter().map(|x| x.to_bits()),
    );
    set(
        &mut out.validator_trust_bits,
        s.trust.iter().map(|x| x.to_bits()),
    );
    set(&mut out.stake_bits, s.stake.iter().map(|x| x.to_bits()));
    set(
        &mut out.active_stake_bits,
        s.active_stake.iter().map(|x| x.to_bits()),
    );
    set(
        &mut out.consensus_f64,
        s.consensus.iter().map(|x| x.to_num::<f64>()),
    );
    set(
        &mut out.incentive_f64,
        s.incentive.iter().map(|x| x.to_num::<f64>()),
    );
    set(
        &mut out.dividends_f64,
        s.dividends.iter().map(|x| x.to_num::<f64>()),
    );
    set(
        &mut out.validator_trust_f64,
        s.trust.iter().map(|x| x.to_num::<f64>()),
    );
    set(
        &mut out.total_stake_i64f64_bits,
        s.total_stake.iter().map(|x| x.to_bits()),
    );
    set(
        &mut out.raw_stake,
        s.total_stake.iter().map(|x| x.saturating_to_num::<u64>()),
    );
    set(&mut out.server_emission, s.server.iter().map(amount));
    set(&mut out.validator_emission, s.validator.iter().map(amount));
    set(
        &mut out.combined_emission,
        s.combined_norm.iter().map(amount),
    );
    out.bonds.truncate(n);
    out.bonds.iter_mut().for_each(Vec::clear);
    out.bonds.resize_with(n, Vec::new);
    for (i, row) in out.bonds.iter_mut().enumerate() {
        if s.new_permits.get(i).copied().unwrap_or(false) {
            row.extend(s.ema[i].iter().map(|&(j, v)| (j, proportion_to_u16(v))));
        }
    }
}

/// `compute_disabled_liquid_alpha`: 1 - moving average / 1e6 (via I64F64 `saturating_div`).
fn bond_alpha(bonds_moving_average: u64) -> I32F32 {
    let ma = I64F64::from_num(bonds_moving_average).saturating_div(I64F64::from_num(1_000_000));
    I32F32::from_num(1).saturating_sub(I32F32::saturating_from_num(ma))
}

/// `compute_ema_bonds_normal_sparse`'s alpha (via I64F64 `safe_div`).
fn bond_alpha_64(bonds_moving_average: u64) -> I32F32 {
    let ma = div64(
        I64F64::saturating_from_num(bonds_moving_average),
        I64F64::saturating_from_num(1_000_000),
    );
    I32F32::saturating_from_num(1).saturating_sub(I32F32::saturating_from_num(ma))
}

/// `interpolate_sparse`: mat1 + ratio * (mat2 - mat1), positives kept (dense per row).
fn interpolate(
    mat1: &[Row],
    mat2: &[Row],
    columns: usize,
    ratio: I32F32,
    row1: &mut Vec<I32F32>,
    row2: &mut Vec<I32F32>,
    out: &mut Vec<Row>,
) {
    if ratio == ZERO {
        return copy_rows(out, mat1);
    }
    if ratio == ONE {
        return copy_rows(out, mat2);
    }
    reset_rows(out, mat1.len().min(mat2.len()));
    for ((a, b), dst) in mat1.iter().zip(mat2.iter()).zip(out.iter_mut()) {
        fill(row1, columns, ZERO);
        fill(row2, columns, ZERO);
        for &(j, v) in a {
            if let Some(e) = row1.get_mut(j as usize) {
                *e = v;
            }
        }
        for &(j, v) in b {
            if let Some(e) = row2.get_mut(j as usize) {
                *e = v;
            }
        }
        for j in 0..columns {
            let v = row1[j].saturating_add(ratio.saturating_mul(row2[j].saturating_sub(row1[j])));
            if v > ZERO {
                dst.push((j as u16, v));
            }
        }
    }
}

/// `mat_ema_sparse`: alpha * new + (1 - alpha) * old, positives kept, columns in order.
fn ema(
    new: &[Row],
    old: &[Row],
    alpha: I32F32,
    columns: usize,
    acc: &mut Vec<I32F32>,
    out: &mut Vec<Row>,
) {
    let one_minus = ONE.saturating_sub(alpha);
    reset_rows(out, new.len());
    for (i, (new_row, dst)) in new.iter().zip(out.iter_mut()).enumerate() {
        fill(acc, columns, ZERO);
        for &(j, v) in new_row {
            if let Some(c) = acc.get_mut(j as usize) {
                *c = c.saturating_add(alpha.saturating_mul(v));
            }
        }
        if let Some(old_row) = old.get(i) {
            for &(j, v) in old_row {
                if let Some(c) = acc.get_mut(j as usize) {
                    *c = c.saturating_add(one_minus.saturating_mul(v));
                }
            }
        }
        dst.extend(
            acc.iter()
                .enumerate()
                .filter(|(_, v)| **v > ZERO)
                .map(|(j, v)| (j as u16, *v)),
        );
    }
}

/// `mat_ema_alpha_sparse`: per-entry alphas; an entry with no new weight is dropped.
fn ema_alpha(
    new: &[Row],
    old: &[Row],
    alphas: &[Vec<I32F32>],
    decayed: &mut Vec<I32F32>,
    out: &mut Vec<Row>,
) {
    if new.len() != old.len() || new.len() != alphas.len() {
        return copy_rows(out, new);
    }
    reset_rows(out, new.len());
    for (((new_row, old_row), alpha_row), dst) in
        new.iter().zip(old).zip(alphas).zip(out.iter_mut())
    {
        fill(decayed, alpha_row.len(), ZERO);
        for &(j, v) in old_row {
            if let (Some(a), Some(c)) = (alpha_row.get(j as usize), decayed.get_mut(j as usize)) {
                *c = ONE.saturating_sub(*a).saturating_mul(v);
            }
        }
        for &(j, v) in new_row {
            if let (Some(a), Some(d)) = (alpha_row.get(j as usize), decayed.get(j as usize)) {
                let val = d.saturating_add(a.saturating_mul(v).max(ZERO)).min(ONE);
                if val > ZERO {
                    dst.push((j, val));
                }
            }
        }
    }
}

/// `compute_liquid_alpha_values_sparse` with `alpha_sigmoid`: one alpha per (row, column). The
/// chain walks each row assuming it is sorted by uid (unsorted rows change the result). Rows with
/// no new weights get no alphas: `mat_ema_alpha_sparse` reads none there (identical results).
fn liquid_alphas(
    input: &EpochInput,
    weights: &[Row],
    bonds: &[Row],
    consensus: &[I32F32],
    out: &mut Vec<Vec<I32F32>>,
) {
    out.truncate(weights.len());
    out.iter_mut().for_each(Vec::clear);
    out.resize_with(weights.len(), Vec::new);
    if weights.len() != bonds.len() {
        out.clear();
        return;
    }
    let low = div(
        I32F32::saturating_from_num(input.alpha_low),
        I32F32::saturating_from_num(u16::MAX),
    );
    let high = div(
        I32F32::saturating_from_num(input.alpha_high),
        I32F32::saturating_from_num(u16::MAX),
    );
    let steepness = I32F32::saturating_from_num(input.alpha_sigmoid_steepness);
    let half = I32F32::from_num(0.5);
    for ((w_row, b_row), alphas) in weights.iter().zip(bonds.iter()).zip(out.iter_mut()) {
        if w_row.is_empty() {
            continue;
        }
        let (mut wi, mut bi) = (0usize, 0usize);
        for (j, c) in consensus.iter().enumerate() {
            let j = j as u16;
            let mut weight = ZERO;
            while let Some(&(i, v)) = w_row.get(wi) {
                if i < j {
                    wi += 1;
                } else {
                    if i == j {
                        weight = v;
                    }
                    break;
                }
            }
            let mut bond = ZERO;
            while let Some(&(i, v)) = b_row.get(bi) {
                if i < j {
                    bi += 1;
                } else {
                    if i == j {
                        bond = v;
                    }
                    break;
                }
            }
            let diff_buy = clamp(weight.saturating_sub(*c), ZERO, ONE);
            let diff_sell = clamp(bond.saturating_sub(weight), ZERO, ONE);
            let diff = if weight >= bond { diff_buy } else { diff_sell };
            let z = steepness
                .saturating_div(I32F32::from_num(-100))
                .saturating_mul(diff.saturating_sub(half));
            let sigmoid = ONE.saturating_div(ONE.saturating_add(exp_safe(z)));
            let alpha = low.saturating_add(sigmoid.saturating_mul(high.saturating_sub(low)));
            alphas.push(clamp(alpha, low, high));
        }
    }
}
