//! Yuma consensus, one epoch, exact to the chain (spec section 3).
//!
//! Two implementations of the same function (decision 0003): `dense.rs`, the fast path most
//! epochs take, and `sparse.rs`, the first port, which runs the inputs the dense path declines
//! and is the oracle of the differential test (`tests.rs`). Both give the chain's bits for
//! `epoch/run_epoch.rs::epoch_mechanism`, the sparse production path, with its helpers
//! (`get_weights_sparse`, `get_bonds_sparse[_fixed_proportion]`, `compute_bonds_sparse`,
//! `compute_liquid_alpha_values_sparse`, `alpha_sigmoid`, `compute_ema_bonds_normal_sparse`,
//! `get_stake_weights_for_network`, `get_activity_cutoff_blocks`) in the chain's fixed-point
//! types. Inputs and outputs use the field names of the golden vectors' schema, so a case file
//! can be read and written directly. Stakes are given as already-inherited values (childkeys are
//! applied by the caller).

mod dense;
mod math;
mod run;
mod simd;
mod sparse;
#[cfg(test)]
mod tests;

pub use run::Yuma;
use serde::{Deserialize, Serialize};

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
    /// I64F64 bits of alpha + tao_weight * tao (written as decimal strings in JSON).
    #[serde(with = "i128_strings")]
    pub total_stake_i64f64_bits: Vec<i128>,
    pub raw_stake: Vec<u64>,
    /// Absolute emissions, rao (`EpochTerms`).
    pub server_emission: Vec<u64>,
    pub validator_emission: Vec<u64>,
    /// The `Emission` storage: the pruning score.
    pub combined_emission: Vec<u64>,
    /// The new `Bonds` row of every uid (empty without a new permit).
    pub bonds: Vec<Vec<(u16, u16)>>,
}

/// i128 values as JSON decimal strings (they exceed what JSON numbers carry exactly).
mod i128_strings {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[i128], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| x.to_string()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i128>, D::Error> {
        let text: Vec<String> = Vec::deserialize(d)?;
        text.iter()
            .map(|t| t.parse().map_err(serde::de::Error::custom))
            .collect()
    }
}
