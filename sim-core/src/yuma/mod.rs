//! Yuma consensus, one epoch, exact to the chain (spec section 3).
//!
//! Mirrors `epoch/run_epoch.rs::epoch_mechanism`, the sparse production path, with its helpers
//! (`get_weights_sparse`, `get_bonds_sparse[_fixed_proportion]`, `compute_bonds_sparse`,
//! `compute_liquid_alpha_values_sparse`, `alpha_sigmoid`, `compute_ema_bonds_normal_sparse`,
//! `get_stake_weights_for_network`, `get_activity_cutoff_blocks`) in the chain's fixed-point
//! types. Inputs and outputs use the field names of the golden vectors' schema, so a case file
//! can be read and written directly. Stakes are given as already-inherited values (childkeys are
//! applied by the caller).

mod math;

use math::*;
use serde::{Deserialize, Serialize};
use substrate_fixed::types::{I32F32, I64F64, I96F32, U96F32};

/// Everything one epoch reads, in the golden input schema.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EpochInput {
    /// `SubnetworkN`.
    pub n: u16,
    pub current_block: u64,
    pub tempo: u16,
    pub activity_cutoff_factor_milli: u32,
    /// `LastUpdate` per uid (may be shorter than n: padded with 0, as the chain's getter does).
    pub last_update: Vec<u64>,
    pub block_at_registration: Vec<u64>,
    /// Inherited alpha stake on the subnet, rao.
    pub alpha_stake: Vec<u64>,
    /// Inherited root stake, rao.
    pub tao_stake: Vec<u64>,
    /// `TaoWeight` raw (value / u64::MAX).
    pub tao_weight: u64,
    pub stake_threshold: u64,
    /// Previous `ValidatorPermit` (may be short: see the masks in [`Yuma::run`]).
    pub validator_permit: Vec<bool>,
    pub max_allowed_validators: u16,
    pub owner_uid: Option<u16>,
    /// `Weights` rows present, storage order: `[uid_i, [[uid_j, w], ...]]`.
    pub weights: Vec<(u16, Vec<(u16, u16)>)>,
    /// `Bonds` rows present, same form.
    pub bonds: Vec<(u16, Vec<(u16, u16)>)>,
    pub commit_reveal_enabled: bool,
    /// Earliest unexpired commit block per uid (`None` = no commit); empty when commit-reveal is off.
    pub earliest_active_commit_block: Vec<Option<u64>>,
    pub kappa: u16,
    pub bonds_penalty: u16,
    /// Parts per million.
    pub bonds_moving_average: u64,
    pub yuma3: bool,
    pub liquid_alpha: bool,
    pub alpha_low: u16,
    pub alpha_high: u16,
    pub alpha_sigmoid_steepness: i16,
    /// `LastMechansimStepBlock` (0 = never stepped).
    pub last_mechanism_step_block: u64,
    /// Pending server + validator + root alpha to distribute, rao.
    pub rao_emission: u64,
}

/// A malformed epoch input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EpochInputError {
    #[error("{field}: length {got}, must be n = {n}")]
    Length {
        field: &'static str,
        got: usize,
        n: usize,
    },
    #[error("{field}: length {got}, must be at most n = {n}")]
    TooLong {
        field: &'static str,
        got: usize,
        n: usize,
    },
    #[error("{field}: uid {uid} is out of range (n = {n})")]
    UidOutOfRange {
        field: &'static str,
        uid: u16,
        n: u16,
    },
    #[error("{field}: uid {uid} has two rows")]
    DuplicateRow { field: &'static str, uid: u16 },
    #[error("tempo: must be at least 1")]
    ZeroTempo,
}

impl EpochInput {
    /// Checks shapes the chain's storage guarantees. (Weight entries pointing at uid >= n are
    /// not an error: the chain filters them out.)
    pub fn validate(&self) -> Result<(), EpochInputError> {
        let n = self.n as usize;
        for (field, got) in [
            ("block_at_registration", self.block_at_registration.len()),
            ("alpha_stake", self.alpha_stake.len()),
            ("tao_stake", self.tao_stake.len()),
        ] {
            if got != n {
                return Err(EpochInputError::Length { field, got, n });
            }
        }
        for (field, got) in [
            ("last_update", self.last_update.len()),
            ("validator_permit", self.validator_permit.len()),
            (
                "earliest_active_commit_block",
                self.earliest_active_commit_block.len(),
            ),
        ] {
            if got > n {
                return Err(EpochInputError::TooLong { field, got, n });
            }
        }
        if let Some(uid) = self.owner_uid.filter(|u| *u >= self.n) {
            return Err(EpochInputError::UidOutOfRange {
                field: "owner_uid",
                uid,
                n: self.n,
            });
        }
        for (field, rows) in [("weights", &self.weights), ("bonds", &self.bonds)] {
            let mut seen = vec![false; n];
            for (uid, _) in rows {
                let Some(slot) = seen.get_mut(*uid as usize) else {
                    return Err(EpochInputError::UidOutOfRange {
                        field,
                        uid: *uid,
                        n: self.n,
                    });
                };
                if *slot {
                    return Err(EpochInputError::DuplicateRow { field, uid: *uid });
                }
                *slot = true;
            }
        }
        if self.tempo == 0 {
            return Err(EpochInputError::ZeroTempo);
        }
        Ok(())
    }

    /// `get_activity_cutoff_blocks`: max(1, factor * tempo / 1000).
    pub fn activity_cutoff(&self) -> u64 {
        (u64::from(self.activity_cutoff_factor_milli) * u64::from(self.tempo) / 1000).max(1)
    }
}

/// What one epoch produces, per uid (index = uid), in the golden output schema.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct EpochOutput {
    pub activity_cutoff: u64,
    pub active: Vec<bool>,
    pub new_validator_permit: Vec<bool>,
    pub stake_weight_u16: Vec<u16>,
    pub consensus_u16: Vec<u16>,
    pub incentive_u16: Vec<u16>,
    pub dividends_u16: Vec<u16>,
    pub validator_trust_u16: Vec<u16>,
    /// I32F32 bit patterns (value = bits / 2^32).
    pub consensus_bits: Vec<i64>,
    pub incentive_bits: Vec<i64>,
    pub dividends_bits: Vec<i64>,
    pub validator_trust_bits: Vec<i64>,
    pub stake_bits: Vec<i64>,
    pub active_stake_bits: Vec<i64>,
    /// For reading: the same values as f64.
    pub consensus_f64: Vec<f64>,
    pub incentive_f64: Vec<f64>,
    pub dividends_f64: Vec<f64>,
    pub validator_trust_f64: Vec<f64>,
    /// I64F64 bits of alpha + tao_weight * tao, as decimal strings.
    pub total_stake_i64f64_bits: Vec<String>,
    pub raw_stake: Vec<u64>,
    /// Absolute emissions, rao (`EpochTerms`).
    pub server_emission: Vec<u64>,
    pub validator_emission: Vec<u64>,
    /// The `Emission` storage: the pruning score.
    pub combined_emission: Vec<u64>,
    /// The new `Bonds` row of every uid (empty without a new permit).
    pub bonds: Vec<Vec<(u16, u16)>>,
}

/// Runs epochs. Holds scratch buffers that later calls reuse.
#[derive(Default)]
pub struct Yuma {
    idx: Vec<usize>,
    current: Vec<usize>,
    lower: Vec<usize>,
    upper: Vec<usize>,
    col: Vec<I32F32>,
}

impl Yuma {
    /// One epoch (`epoch_mechanism`). Call [`EpochInput::validate`] first on untrusted input.
    pub fn run(&mut self, input: &EpochInput, out: &mut EpochOutput) {
        let n = input.n as usize;
        let current_block = input.current_block;
        let activity_cutoff = input.activity_cutoff();
        // The chain's getter pads `LastUpdate` with 0 up to n.
        let mut last_update = input.last_update.clone();
        last_update.resize(n, 0);
        let last_update = &last_update;
        let inactive: Vec<bool> = last_update
            .iter()
            .map(|u| u.saturating_add(activity_cutoff) < current_block)
            .collect();
        let active: Vec<bool> = inactive.iter().map(|b| !b).collect();
        let block_at_registration = &input.block_at_registration;

        // Stake: alpha + tao_weight * tao (`get_stake_weights_for_network`).
        let tao_weight_u96 = U96F32::saturating_from_num(input.tao_weight)
            .checked_div(U96F32::saturating_from_num(u64::MAX))
            .unwrap_or(U96F32::from_bits(0));
        let tao_weight = I64F64::saturating_from_num(tao_weight_u96);
        let total_stake: Vec<I64F64> = (0..n)
            .map(|i| {
                let alpha = I64F64::saturating_from_num(input.alpha_stake[i]);
                let tao = I64F64::saturating_from_num(input.tao_stake[i]);
                alpha.saturating_add(tao.saturating_mul(tao_weight))
            })
            .collect();
        let owner = input.owner_uid;
        let mut filtered: Vec<I64F64> = total_stake
            .iter()
            .enumerate()
            .map(|(uid, s)| {
                if owner != Some(uid as u16) && s.saturating_to_num::<u64>() < input.stake_threshold
                {
                    I64F64::from_bits(0)
                } else {
                    *s
                }
            })
            .collect();
        inplace_normalize_64(&mut filtered);
        let stake: Vec<I32F32> = filtered
            .iter()
            .map(|s| I32F32::saturating_from_num(*s))
            .collect();

        // Permits.
        // Not padded: a short permit vector leaves the owner without a permit entry, masks every
        // row it does not cover, and (when empty) masks no stake at all, as on chain.
        let mut permits = input.validator_permit.clone();
        if let Some(p) = owner.and_then(|o| permits.get_mut(o as usize)) {
            *p = true;
        }
        let forbids: Vec<bool> = permits.iter().map(|b| !b).collect();
        let mut new_permits = Vec::new();
        is_topk_nonzero(
            &stake,
            input.max_allowed_validators as usize,
            &mut self.idx,
            &mut new_permits,
        );
        if let Some(p) = owner.and_then(|o| new_permits.get_mut(o as usize)) {
            *p = true;
        }

        let mut active_stake = stake.clone();
        inplace_mask_vector(&inactive, &mut active_stake);
        inplace_mask_vector(&forbids, &mut active_stake);
        inplace_normalize(&mut active_stake);

        // Weights: load (uids >= n dropped), mask rows without a permit, the diagonal (except the
        // owner's), weights older than the target's registration, commit-reveal; row-normalise.
        let mut weights: Vec<Row> = vec![Vec::new(); n];
        for (i, row) in &input.weights {
            if let Some(dst) = weights.get_mut(*i as usize) {
                dst.extend(
                    row.iter()
                        .filter(|(j, _)| (*j as usize) < n)
                        .map(|(j, w)| (*j, I32F32::from_num(*w))),
                );
            }
        }
        for (i, row) in weights.iter_mut().enumerate() {
            if forbids.get(i).copied().unwrap_or(true) {
                row.clear();
            }
            row.retain(|(j, _)| i != *j as usize || owner == Some(*j));
            let updated = last_update.get(i).copied().unwrap_or(0);
            row.retain(|(j, _)| {
                updated > block_at_registration.get(*j as usize).copied().unwrap_or(0)
            });
        }
        if input.commit_reveal_enabled {
            for (i, row) in weights.iter_mut().enumerate() {
                let commit = input
                    .earliest_active_commit_block
                    .get(i)
                    .copied()
                    .flatten()
                    .unwrap_or(u64::MAX);
                row.retain(|(j, _)| {
                    commit >= block_at_registration.get(*j as usize).copied().unwrap_or(0)
                });
            }
        }
        inplace_row_normalize(&mut weights);

        // Consensus: stake-weighted kappa-quantile of each column over validators with stake.
        let kappa = div(I32F32::from_num(input.kappa), I32F32::from_num(u16::MAX));
        let mut use_stake: Vec<I32F32> =
            active_stake.iter().copied().filter(|s| *s > ZERO).collect();
        inplace_normalize(&mut use_stake);
        let stake_sum = sum(&use_stake);
        let minority = stake_sum.saturating_sub(kappa);
        let mut columns: Vec<Vec<I32F32>> = vec![vec![ZERO; use_stake.len()]; n];
        let mut k = 0usize;
        for (s, row) in active_stake.iter().zip(weights.iter()) {
            if *s > ZERO {
                for &(c, v) in row {
                    if let Some(cell) = columns.get_mut(c as usize).and_then(|col| col.get_mut(k)) {
                        *cell = v;
                    }
                }
                k += 1;
            }
        }
        let consensus: Vec<I32F32> = columns
            .iter()
            .map(|col| {
                weighted_median(
                    &use_stake,
                    col,
                    minority,
                    ZERO,
                    stake_sum,
                    &mut self.current,
                    &mut self.lower,
                    &mut self.upper,
                )
            })
            .collect();

        // Clip, trust, ranks, incentive.
        let clipped: Vec<Row> = weights
            .iter()
            .map(|row| {
                row.iter()
                    .filter_map(|&(j, v)| {
                        let th = consensus.get(j as usize).copied().unwrap_or(ZERO);
                        if th < v {
                            (th > ZERO).then_some((j, th))
                        } else {
                            Some((j, v))
                        }
                    })
                    .collect()
            })
            .collect();
        let validator_trust: Vec<I32F32> = clipped
            .iter()
            .map(|r| {
                r.iter().fold(ZERO, |a, (_, v)| {
                    I32F32::from_bits(a.to_bits().wrapping_add(v.to_bits()))
                })
            })
            .collect();
        let mut ranks = vec![ZERO; n];
        for (row, s) in clipped.iter().zip(active_stake.iter()) {
            for &(j, v) in row {
                if let Some(r) = ranks.get_mut(j as usize) {
                    *r = r.saturating_add(s.saturating_mul(v));
                }
            }
        }
        inplace_normalize(&mut ranks);
        let incentive = ranks;

        // Bonds.
        let penalty = div(
            I32F32::from_num(input.bonds_penalty),
            I32F32::from_num(u16::MAX),
        );
        let weights_for_bonds = interpolate(&weights, &clipped, n, penalty);
        let last_tempo = if input.last_mechanism_step_block == 0 {
            current_block.saturating_sub(u64::from(input.tempo))
        } else {
            input.last_mechanism_step_block.saturating_add(1)
        };
        let mut bonds: Vec<Row> = vec![Vec::new(); n];
        for (i, row) in &input.bonds {
            if let Some(dst) = bonds.get_mut(*i as usize) {
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
        for row in bonds.iter_mut() {
            row.retain(|(j, _)| {
                last_tempo > block_at_registration.get(*j as usize).copied().unwrap_or(0)
            });
        }
        let mut dividends: Vec<I32F32>;
        let mut ema_bonds: Vec<Row>;
        if input.yuma3 {
            ema_bonds = if input.liquid_alpha
                && !consensus.is_empty()
                && consensus.iter().any(|c| *c != ZERO)
            {
                let alphas = liquid_alphas(input, &weights_for_bonds, &bonds, &consensus);
                ema_alpha(&weights_for_bonds, &bonds, &alphas)
            } else {
                ema(
                    &weights_for_bonds,
                    &bonds,
                    bond_alpha(input.bonds_moving_average),
                    n,
                )
            };
            let mut norm = ema_bonds.clone();
            inplace_col_normalize(&mut norm, n, &mut self.col);
            let per_validator: Vec<I32F32> = norm
                .iter()
                .map(|row| {
                    row.iter()
                        .filter_map(|&(j, v)| {
                            incentive.get(j as usize).map(|inc| v.saturating_mul(*inc))
                        })
                        .filter(|v| *v != ZERO)
                        .fold(ZERO, |a, v| {
                            I32F32::from_bits(a.to_bits().wrapping_add(v.to_bits()))
                        })
                })
                .collect();
            dividends = per_validator
                .iter()
                .zip(active_stake.iter())
                .map(|(a, b)| a.checked_mul(*b).unwrap_or(ZERO))
                .collect();
            inplace_normalize(&mut dividends);
        } else {
            inplace_col_normalize(&mut bonds, n, &mut self.col);
            let mut delta: Vec<Row> = Vec::with_capacity(n);
            for (row, s) in weights_for_bonds.iter().zip(active_stake.iter()) {
                delta.push(
                    row.iter()
                        .map(|&(j, v)| (j, v.saturating_mul(*s)))
                        .collect(),
                );
            }
            inplace_col_normalize(&mut delta, n, &mut self.col);
            ema_bonds = ema(&delta, &bonds, bond_alpha_64(input.bonds_moving_average), n);
            inplace_col_normalize(&mut ema_bonds, n, &mut self.col);
            dividends = ema_bonds
                .iter()
                .map(|row| {
                    row.iter().fold(ZERO, |acc, &(j, v)| {
                        acc.saturating_add(
                            incentive
                                .get(j as usize)
                                .copied()
                                .unwrap_or(ZERO)
                                .saturating_mul(v),
                        )
                    })
                })
                .collect();
            inplace_normalize(&mut dividends);
            inplace_col_max_upscale(&mut ema_bonds, n, &mut self.col);
        }

        // Emission shares and the all-zero fallbacks.
        let combined: Vec<I32F32> = incentive
            .iter()
            .zip(dividends.iter())
            .map(|(i, d)| i.saturating_add(*d))
            .collect();
        let emission_sum = sum(&combined);
        let normalize_by = |v: &[I32F32]| -> Vec<I32F32> {
            if emission_sum == ZERO {
                v.to_vec()
            } else {
                v.iter().map(|x| div(*x, emission_sum)).collect()
            }
        };
        let server = normalize_by(&incentive);
        let mut validator = normalize_by(&dividends);
        let mut combined_norm = combined.clone();
        inplace_normalize(&mut combined_norm);
        if emission_sum == ZERO {
            let fallback = if sum(&active_stake) == ZERO {
                &stake
            } else {
                &active_stake
            };
            validator = fallback.clone();
            combined_norm = fallback.clone();
            // Server emission stays the (all-zero) incentive.
        }
        let rao = I96F32::saturating_from_num(input.rao_emission);
        let amount = |v: &I32F32| {
            I96F32::saturating_from_num(*v)
                .saturating_mul(rao)
                .saturating_to_num::<u64>()
        };

        // Output, as `epoch_mechanism` stores it.
        let bits = |v: &[I32F32]| v.iter().map(|x| x.to_bits()).collect::<Vec<i64>>();
        let f64s = |v: &[I32F32]| v.iter().map(|x| x.to_num::<f64>()).collect::<Vec<f64>>();
        let u16s = |v: &[I32F32]| {
            v.iter()
                .map(|x| proportion_to_u16(*x))
                .collect::<Vec<u16>>()
        };
        out.activity_cutoff = activity_cutoff;
        out.active = (0..n)
            .map(|i| active.get(i).copied().unwrap_or(false))
            .collect();
        out.new_validator_permit = (0..n)
            .map(|i| new_permits.get(i).copied().unwrap_or(false))
            .collect();
        out.stake_weight_u16 = u16s(&stake);
        out.consensus_u16 = u16s(&consensus);
        out.incentive_u16 = u16s(&incentive);
        out.dividends_u16 = u16s(&dividends);
        out.validator_trust_u16 = u16s(&validator_trust);
        out.consensus_bits = bits(&consensus);
        out.incentive_bits = bits(&incentive);
        out.dividends_bits = bits(&dividends);
        out.validator_trust_bits = bits(&validator_trust);
        out.stake_bits = bits(&stake);
        out.active_stake_bits = bits(&active_stake);
        out.consensus_f64 = f64s(&consensus);
        out.incentive_f64 = f64s(&incentive);
        out.dividends_f64 = f64s(&dividends);
        out.validator_trust_f64 = f64s(&validator_trust);
        out.total_stake_i64f64_bits = total_stake
            .iter()
            .map(|s| s.to_bits().to_string())
            .collect();
        out.raw_stake = total_stake
            .iter()
            .map(|s| s.saturating_to_num::<u64>())
            .collect();
        out.server_emission = server.iter().map(amount).collect();
        out.validator_emission = validator.iter().map(amount).collect();
        out.combined_emission = combined_norm.iter().map(amount).collect();
        out.bonds = (0..n)
            .map(|i| {
                if new_permits.get(i).copied().unwrap_or(false) {
                    ema_bonds[i]
                        .iter()
                        .map(|&(j, v)| (j, proportion_to_u16(v)))
                        .collect()
                } else {
                    Vec::new()
                }
            })
            .collect();
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
fn interpolate(mat1: &[Row], mat2: &[Row], columns: usize, ratio: I32F32) -> Vec<Row> {
    if ratio == ZERO {
        return mat1.to_vec();
    }
    if ratio == ONE {
        return mat2.to_vec();
    }
    let mut row1 = vec![ZERO; columns];
    let mut row2 = vec![ZERO; columns];
    mat1.iter()
        .zip(mat2.iter())
        .map(|(a, b)| {
            row1.iter_mut().for_each(|v| *v = ZERO);
            row2.iter_mut().for_each(|v| *v = ZERO);
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
            (0..columns)
                .filter_map(|j| {
                    let v = row1[j]
                        .saturating_add(ratio.saturating_mul(row2[j].saturating_sub(row1[j])));
                    (v > ZERO).then_some((j as u16, v))
                })
                .collect()
        })
        .collect()
}

/// `mat_ema_sparse`: alpha * new + (1 - alpha) * old, positives kept, columns in order.
fn ema(new: &[Row], old: &[Row], alpha: I32F32, columns: usize) -> Vec<Row> {
    let one_minus = ONE.saturating_sub(alpha);
    let mut acc = vec![ZERO; columns];
    new.iter()
        .enumerate()
        .map(|(i, new_row)| {
            acc.iter_mut().for_each(|v| *v = ZERO);
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
            acc.iter()
                .enumerate()
                .filter(|(_, v)| **v > ZERO)
                .map(|(j, v)| (j as u16, *v))
                .collect()
        })
        .collect()
}

/// `mat_ema_alpha_sparse`: per-entry alphas; an entry with no new weight is dropped.
fn ema_alpha(new: &[Row], old: &[Row], alphas: &[Vec<I32F32>]) -> Vec<Row> {
    if new.len() != old.len() || new.len() != alphas.len() {
        return new.to_vec();
    }
    new.iter()
        .zip(old.iter())
        .zip(alphas.iter())
        .map(|((new_row, old_row), alpha_row)| {
            let mut decayed = vec![ZERO; alpha_row.len()];
            for &(j, v) in old_row {
                if let (Some(a), Some(c)) = (alpha_row.get(j as usize), decayed.get_mut(j as usize))
                {
                    *c = ONE.saturating_sub(*a).saturating_mul(v);
                }
            }
            new_row
                .iter()
                .filter_map(|&(j, v)| {
                    let (a, d) = (alpha_row.get(j as usize)?, decayed.get(j as usize)?);
                    let val = d.saturating_add(a.saturating_mul(v).max(ZERO)).min(ONE);
                    (val > ZERO).then_some((j, val))
                })
                .collect()
        })
        .collect()
}

/// `compute_liquid_alpha_values_sparse` with `alpha_sigmoid`: one alpha per (row, column). The
/// chain walks each row assuming it is sorted by uid (unsorted rows change the result).
fn liquid_alphas(
    input: &EpochInput,
    weights: &[Row],
    bonds: &[Row],
    consensus: &[I32F32],
) -> Vec<Vec<I32F32>> {
    if weights.len() != bonds.len() {
        return Vec::new();
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
    weights
        .iter()
        .zip(bonds.iter())
        .map(|(w_row, b_row)| {
            // Alphas are only read for entries of the new row; an empty row needs none (this
            // skips the sigmoid for every row that set no weights, with identical results).
            if w_row.is_empty() {
                return Vec::new();
            }
            let (mut wi, mut bi) = (0usize, 0usize);
            consensus
                .iter()
                .enumerate()
                .map(|(j, c)| {
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
                    let alpha =
                        low.saturating_add(sigmoid.saturating_mul(high.saturating_sub(low)));
                    clamp(alpha, low, high)
                })
                .collect()
        })
        .collect()
}
