//! `set_weights` (spec 3.8, `subnets/weights.rs::internal_set_weights`): the checks in the
//! chain's order, the max-upscale, and the write of `Weights` and `LastUpdate`.
//!
//! Commit-reveal is off in this model (the epoch reads weights as set), so the rate limit
//! always applies, as it does on the chain when commit-reveal is off. Version keys are not
//! modelled (every caller is up to date). `MinAllowedWeights` is 1 and `MaxWeightsLimit` is
//! 65,535 (no limit), the values `init_new_network` writes.

use crate::neurons::HotkeyId;
use crate::stake::SharePool;
use crate::subnet::Subnet;
use crate::units::{BlockNumber, ColdkeyId};
use std::collections::BTreeMap;
use substrate_fixed::types::{I32F32, I64F64};
use thiserror::Error;

/// `WeightsSetRateLimit` default: 100 blocks.
pub const WEIGHTS_SET_RATE_LIMIT: u64 = 100;

/// Why the chain refuses a `set_weights`, named as the chain's errors are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum WeightsError {
    #[error("CanNotSetRootNetworkWeights: weights cannot be set on the root subnet")]
    Root,
    #[error("UidsLengthExceedUidsInSubNet: {given} weights for {n} UIDs")]
    TooMany { given: usize, n: usize },
    #[error("HotKeyNotRegisteredInSubNet")]
    NotRegistered,
    #[error(
        "NotEnoughStakeToSetWeights: stake weight {stake} rao below the threshold {threshold}"
    )]
    NotEnoughStake { stake: u64, threshold: u64 },
    #[error("SettingWeightsTooFast: last set at block {last}, rate limit {limit} blocks")]
    TooFast { last: BlockNumber, limit: u64 },
    #[error("NeuronNoValidatorPermit: only self-weight without a validator permit")]
    NoPermit,
    #[error("DuplicateUids")]
    DuplicateUids,
    #[error("UidVecContainInvalidOne: uid {0} is not registered")]
    InvalidUid(u16),
    #[error("WeightVecLengthIsLow: no weights given")]
    TooFew,
}

/// Sets `hotkey`'s weights on `subnet` at `block`. `root_pools` are the root subnet's pools
/// (the TAO side of the stake weight), `tao_weight` is `TaoWeight` (u64 fraction of u64::MAX).
pub fn set_weights(
    subnet: &mut Subnet,
    root_pools: &BTreeMap<HotkeyId, SharePool<ColdkeyId>>,
    tao_weight: u64,
    hotkey: HotkeyId,
    weights: &[(u16, u16)],
    block: BlockNumber,
) -> Result<(), WeightsError> {
    if subnet.is_root() {
        return Err(WeightsError::Root);
    }
    let n = subnet.neurons.len();
    if weights.len() > n {
        return Err(WeightsError::TooMany {
            given: weights.len(),
            n,
        });
    }
    let uid = subnet
        .neurons
        .uid_of(hotkey)
        .ok_or(WeightsError::NotRegistered)?;
    let owner_uid = subnet.owner.and_then(|(_, hk)| subnet.neurons.uid_of(hk));
    let is_owner = owner_uid == Some(uid);
    if !is_owner {
        let stake = stake_weight(subnet, root_pools, tao_weight, hotkey);
        let threshold = subnet.hyper.stake_threshold;
        if stake < threshold {
            return Err(WeightsError::NotEnoughStake { stake, threshold });
        }
    }
    let last = subnet.neurons.last_update[usize::from(uid)];
    // `check_rate_limit`: a LastUpdate of 0 means never set.
    if last != 0 && block.saturating_sub(last) < WEIGHTS_SET_RATE_LIMIT {
        return Err(WeightsError::TooFast {
            last,
            limit: WEIGHTS_SET_RATE_LIMIT,
        });
    }
    let self_weight = weights.len() == 1 && weights[0].0 == uid;
    if !self_weight && !is_owner && !subnet.neurons.validator_permit[usize::from(uid)] {
        return Err(WeightsError::NoPermit);
    }
    check_uids(weights, n)?;
    // `check_length` with MinAllowedWeights 1: at least one entry (or the self-weight).
    if !self_weight && weights.is_empty() {
        return Err(WeightsError::TooFew);
    }
    let row = &mut subnet.neurons.weights[usize::from(uid)];
    row.clear();
    if weights
        .iter()
        .fold(false, |any, &(_, w)| any | (w == u16::MAX))
    {
        // The largest is 65,535: the factor is 65,535 / 65,535 = 1 exactly and every w * 1
        // rounds to w, so the row is stored as sent (what `to_u16_weights`-style callers send).
        row.extend_from_slice(weights);
    } else {
        row.extend(weights.iter().map(|&(t, _)| (t, 0)));
        max_upscale_into(weights, row);
    }
    subnet.neurons.last_update[usize::from(uid)] = block;
    Ok(())
}

/// `has_duplicate_uids` and `check_uids_exist` in one walk: the error is that of the first entry
/// that repeats a UID or names one at or past `n`. UIDs in increasing order (what callers that
/// weight every UID in turn send) cannot repeat, so only the bound is checked and no marks are
/// needed: `set_weights` runs for every validator every tempo.
fn check_uids(weights: &[(u16, u16)], n: usize) -> Result<(), WeightsError> {
    let past_n = |&&(target, _): &&(u16, u16)| usize::from(target) >= n;
    // Both tests over the whole list without an early exit, so that they vectorise; in
    // increasing order only the last UID can tell that some UID is past the end.
    let increasing = weights
        .iter()
        .zip(weights.iter().skip(1))
        .fold(true, |ok, (a, b)| ok & (a.0 < b.0));
    if increasing {
        return match weights.last().filter(past_n) {
            Some(_) => Err(WeightsError::InvalidUid(
                weights.iter().find(past_n).map_or(0, |&(target, _)| target),
            )),
            None => Ok(()),
        };
    }
    let mut seen = vec![false; n];
    for &(target, _) in weights {
        let slot = seen
            .get_mut(usize::from(target))
            .ok_or(WeightsError::InvalidUid(target))?;
        if *slot {
            return Err(WeightsError::DuplicateUids);
        }
        *slot = true;
    }
    Ok(())
}

/// `get_stake_weights_for_hotkey_on_subnet`: alpha + tao_weight x root stake, both after
/// childkey inheritance, floored to rao.
pub fn stake_weight(
    subnet: &Subnet,
    root_pools: &BTreeMap<HotkeyId, SharePool<ColdkeyId>>,
    tao_weight: u64,
    hotkey: HotkeyId,
) -> u64 {
    let alpha = crate::epoch::inherited(subnet, hotkey, |hk| {
        subnet.pools.get(&hk).map_or(0, SharePool::value)
    });
    let tao = crate::epoch::inherited(subnet, hotkey, |hk| {
        root_pools.get(&hk).map_or(0, SharePool::value)
    });
    let weight = I64F64::saturating_from_num(crate::stake::u64_fraction(tao_weight));
    I64F64::saturating_from_num(alpha)
        .saturating_add(I64F64::saturating_from_num(tao).saturating_mul(weight))
        .saturating_to_num::<u64>()
}

/// `vec_u16_max_upscale_to_u16` (I32F32): the largest value becomes 65,535, the others scale
/// with it, rounded; written into the values of `out` (same length and order as `weights`).
fn max_upscale_into(weights: &[(u16, u16)], out: &mut [(u16, u16)]) {
    let u16_max = I32F32::from_num(u16::MAX);
    let Some(max) = weights.iter().map(|&(_, w)| I32F32::from_num(w)).max() else {
        return;
    };
    let safe_div = |a: I32F32, b: I32F32| a.checked_div(b).unwrap_or(I32F32::from_num(0));
    if max > I32F32::from_num(32_768) {
        let factor = safe_div(u16_max, max);
        for (slot, &(_, w)) in out.iter_mut().zip(weights) {
            slot.1 = I32F32::from_num(w)
                .saturating_mul(factor)
                .round()
                .saturating_to_num::<u16>();
        }
    } else {
        for (slot, &(_, w)) in out.iter_mut().zip(weights) {
            let w = I32F32::from_num(w);
            slot.1 = if max == 0 {
                w.saturating_mul(u16_max).saturating_to_num::<u16>()
            } else {
                safe_div(w.saturating_mul(u16_max), max)
                    .round()
                    .saturating_to_num::<u16>()
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amm::{Pool, QuoteWeight};
    use crate::units::{Alpha, NetUid, Tao};

    fn subnet(n: u32) -> Subnet {
        let pool = Pool::new(Tao(1_000_000_000), Alpha(1_000_000_000), QuoteWeight::HALF);
        let mut s = Subnet::new(NetUid(1), pool, 360, 0);
        s.hyper.stake_threshold = 0;
        for i in 0..n {
            s.neurons.push(HotkeyId(i), 0);
        }
        s
    }

    fn upscaled(w: &[(u16, u16)]) -> Vec<u16> {
        let mut out = w.to_vec();
        max_upscale_into(w, &mut out);
        out.iter().map(|p| p.1).collect()
    }

    #[test]
    fn max_upscale_matches_the_chain_forms() {
        // Small maximum: (w * 65535) / max, rounded.
        assert_eq!(
            upscaled(&[(0, 1), (1, 2), (2, 3)]),
            vec![21_845, 43_690, 65_535]
        );
        // Large maximum: w * (65535 / max), rounded; 65535 stays 65535.
        assert_eq!(upscaled(&[(0, 65_535), (1, 40_000)]), vec![65_535, 40_000]);
        // All zero stays zero.
        assert_eq!(upscaled(&[(0, 0), (1, 0)]), vec![0, 0]);
    }

    /// The branches taken once per row equal the chain's per-entry form, on every value under
    /// a maximum of 65,535 and on random rows under maxima of every size.
    #[test]
    fn max_upscale_equals_the_per_entry_form() {
        use rand::{Rng, SeedableRng};
        let reference = |weights: &[(u16, u16)]| -> Vec<u16> {
            let u16_max = I32F32::from_num(u16::MAX);
            let max = weights
                .iter()
                .map(|&(_, w)| I32F32::from_num(w))
                .max()
                .unwrap();
            let safe_div = |a: I32F32, b: I32F32| a.checked_div(b).unwrap_or(I32F32::from_num(0));
            weights
                .iter()
                .map(|&(_, w)| {
                    let w = I32F32::from_num(w);
                    if max == 0 {
                        w.saturating_mul(u16_max).saturating_to_num::<u16>()
                    } else if max > I32F32::from_num(32_768) {
                        w.saturating_mul(safe_div(u16_max, max))
                            .round()
                            .saturating_to_num::<u16>()
                    } else {
                        safe_div(w.saturating_mul(u16_max), max)
                            .round()
                            .saturating_to_num::<u16>()
                    }
                })
                .collect()
        };
        let every: Vec<(u16, u16)> = (0..=u16::MAX).map(|w| (0, w)).collect();
        assert_eq!(upscaled(&every), reference(&every));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for case in 0..3000 {
            let max: u16 = match case % 4 {
                0 => u16::MAX,
                1 => rng.gen_range(32_769..u16::MAX),
                2 => rng.gen_range(0..=32_768),
                _ => rng.gen(),
            };
            let n = rng.gen_range(1..300);
            let mut row: Vec<(u16, u16)> = (0..n).map(|i| (i, rng.gen_range(0..=max))).collect();
            row[rng.gen_range(0..n as usize)].1 = max;
            assert_eq!(upscaled(&row), reference(&row), "case {case}, max {max}");
        }
    }

    /// The increasing-order shortcut against the marks walk, on increasing, shuffled and
    /// repeating UID lists with and without UIDs past the end.
    #[test]
    fn uid_checks_are_the_marks_walk() {
        use rand::Rng;
        let marks = |weights: &[(u16, u16)], n: usize| -> Result<(), WeightsError> {
            let mut seen = vec![false; n];
            for &(t, _) in weights {
                let slot = seen
                    .get_mut(usize::from(t))
                    .ok_or(WeightsError::InvalidUid(t))?;
                if *slot {
                    return Err(WeightsError::DuplicateUids);
                }
                *slot = true;
            }
            Ok(())
        };
        let mut rng = crate::rng::named_stream(3, "uid checks");
        let mut errors = [0; 3];
        for case in 0..20_000 {
            let n = rng.gen_range(0..40usize);
            let len = rng.gen_range(0..12usize);
            let mut w: Vec<(u16, u16)> = (0..len)
                .map(|_| (rng.gen_range(0..45u16), rng.gen()))
                .collect();
            if case % 2 == 0 {
                w.sort_unstable_by_key(|p| p.0);
                if case % 4 == 0 {
                    w.dedup_by_key(|p| p.0);
                }
            }
            let want = marks(&w, n);
            errors[match want {
                Ok(()) => 0,
                Err(WeightsError::DuplicateUids) => 1,
                Err(_) => 2,
            }] += 1;
            assert_eq!(check_uids(&w, n), want, "case {case}: {w:?} over {n} UIDs");
        }
        assert!(
            errors.iter().all(|&k| k > 1000),
            "every outcome tried: {errors:?}"
        );
    }

    /// The stored row is the upscaled one whether or not the largest weight sent is 65,535
    /// (the row stored as sent then).
    #[test]
    fn the_stored_row_is_upscaled() {
        use rand::Rng;
        let none = BTreeMap::new();
        let mut rng = crate::rng::named_stream(4, "stored rows");
        let mut s = subnet(40);
        s.neurons.validator_permit[1] = true;
        for case in 0..3_000u64 {
            let len = rng.gen_range(1..40usize);
            let mut w: Vec<(u16, u16)> = Vec::new();
            for t in 0..40u16 {
                if w.len() < len && rng.gen_bool(0.6) {
                    w.push((t, rng.gen()));
                }
            }
            if w.is_empty() {
                continue;
            }
            // The largest 65,535, next to it, or small (the other upscaling forms).
            let k = rng.gen_range(0..w.len());
            match case % 4 {
                0 => w[k].1 = u16::MAX,
                1 => w[k].1 = u16::MAX - 1,
                2 => w.iter_mut().for_each(|p| p.1 %= 1_000),
                _ => {}
            }
            let block = 1_000 + 100 * case;
            assert_eq!(
                set_weights(&mut s, &none, 0, HotkeyId(1), &w, block),
                Ok(())
            );
            let want: Vec<(u16, u16)> = w.iter().map(|p| p.0).zip(upscaled(&w)).collect();
            assert_eq!(s.neurons.weights[1], want, "case {case}: {w:?}");
        }
    }

    #[test]
    fn checks_come_in_the_chains_order() {
        let none = BTreeMap::new();
        let mut s = subnet(3);
        // Not registered.
        assert_eq!(
            set_weights(&mut s, &none, 0, HotkeyId(9), &[(0, 1)], 500),
            Err(WeightsError::NotRegistered)
        );
        // No permit: only the self-weight passes.
        assert_eq!(
            set_weights(&mut s, &none, 0, HotkeyId(1), &[(0, 1)], 500),
            Err(WeightsError::NoPermit)
        );
        assert_eq!(
            set_weights(&mut s, &none, 0, HotkeyId(1), &[(1, 5)], 500),
            Ok(())
        );
        // Rate limit: 100 blocks since LastUpdate.
        s.neurons.validator_permit[1] = true;
        assert!(matches!(
            set_weights(&mut s, &none, 0, HotkeyId(1), &[(0, 1)], 599),
            Err(WeightsError::TooFast { last: 500, .. })
        ));
        assert_eq!(
            set_weights(&mut s, &none, 0, HotkeyId(1), &[(0, 1), (0, 2)], 600),
            Err(WeightsError::DuplicateUids)
        );
        assert_eq!(
            set_weights(&mut s, &none, 0, HotkeyId(1), &[(7, 1)], 600),
            Err(WeightsError::InvalidUid(7))
        );
        assert_eq!(
            set_weights(&mut s, &none, 0, HotkeyId(1), &[(0, 1), (2, 3)], 600),
            Ok(())
        );
        assert_eq!(s.neurons.weights[1], vec![(0, 21_845), (2, 65_535)]);
        assert_eq!(s.neurons.last_update[1], 600);
        // Stake threshold (the owner is exempt).
        s.hyper.stake_threshold = 1;
        assert!(matches!(
            set_weights(&mut s, &none, 0, HotkeyId(1), &[(0, 1)], 700),
            Err(WeightsError::NotEnoughStake { stake: 0, .. })
        ));
        s.owner = Some((ColdkeyId(0), HotkeyId(1)));
        assert_eq!(
            set_weights(&mut s, &none, 0, HotkeyId(1), &[(0, 1)], 700),
            Ok(())
        );
    }
}
