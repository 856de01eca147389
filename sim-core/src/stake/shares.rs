//! The coldkeys' shares of one share pool (`AlphaV2` of one hotkey on one subnet), in coldkey
//! order.
//!
//! Most pools hold one coldkey: a miner's (its owner), a validator's before anyone nominates.
//! That one share is kept inline, in the pool itself, so that reading or crediting it touches no
//! second allocation: with a map, its node was a cache miss at nearly every credit of an epoch's
//! payout (the pools are many and each is visited once an epoch). A second coldkey moves both
//! into the map, and a map left with one coldkey gives it back, so each set of shares has one
//! form and the derived equality is equality of the shares.

use super::safe_float::SafeFloat;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Shares<C: Ord> {
    /// The share when there is exactly one; `None` otherwise.
    one: Option<(C, SafeFloat)>,
    /// The shares when there are two or more; empty otherwise.
    many: BTreeMap<C, SafeFloat>,
}

impl<C: Ord> Default for Shares<C> {
    fn default() -> Self {
        Self {
            one: None,
            many: BTreeMap::new(),
        }
    }
}

impl<C: Ord> Shares<C> {
    /// From a map, the zero shares left out (the chain never stores one).
    pub(super) fn from_map(mut map: BTreeMap<C, SafeFloat>) -> Self {
        map.retain(|_, share| !share.is_zero());
        let mut shares = Self::default();
        if map.len() == 1 {
            shares.one = map.pop_first();
        } else {
            shares.many = map;
        }
        shares
    }
}

impl<C: Ord + Clone> Shares<C> {
    pub(super) fn get(&self, coldkey: &C) -> Option<&SafeFloat> {
        match &self.one {
            Some((c, share)) => (c == coldkey).then_some(share),
            None => self.many.get(coldkey),
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&C, &SafeFloat)> {
        self.one
            .iter()
            .map(|(c, share)| (c, share))
            .chain(self.many.iter())
    }

    pub(super) fn is_empty(&self) -> bool {
        self.one.is_none() && self.many.is_empty()
    }

    /// Replaces the coldkey's share (zero when absent) by `f` of it; a zero result removes it.
    /// One search of the map where there is one.
    pub(super) fn update(&mut self, coldkey: &C, f: impl FnOnce(&SafeFloat) -> SafeFloat) {
        if self.many.is_empty() {
            match &mut self.one {
                Some((c, share)) if c == coldkey => {
                    let new = f(share);
                    if new.is_zero() {
                        self.one = None;
                    } else {
                        *share = new;
                    }
                }
                Some(_) => {
                    let new = f(&SafeFloat::ZERO);
                    if !new.is_zero() {
                        let (c, share) = self.one.take().expect("matched Some");
                        self.many.insert(c, share);
                        self.many.insert(coldkey.clone(), new);
                    }
                }
                None => {
                    let new = f(&SafeFloat::ZERO);
                    if !new.is_zero() {
                        self.one = Some((coldkey.clone(), new));
                    }
                }
            }
            return;
        }
        match self.many.entry(coldkey.clone()) {
            Entry::Occupied(mut e) => {
                let new = f(e.get());
                if new.is_zero() {
                    e.remove();
                    if self.many.len() == 1 {
                        self.one = self.many.pop_first();
                    }
                } else {
                    *e.get_mut() = new;
                }
            }
            Entry::Vacant(e) => {
                let new = f(&SafeFloat::ZERO);
                if !new.is_zero() {
                    e.insert(new);
                }
            }
        }
    }
}

impl<C: Ord + serde::Serialize> serde::Serialize for Shares<C> {
    /// As the map it stands for (the form pools were always written in).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(
            self.one
                .iter()
                .map(|(c, share)| (c, share))
                .chain(self.many.iter()),
        )
    }
}

impl<'de, C: Ord + serde::Deserialize<'de>> serde::Deserialize<'de> for Shares<C> {
    /// From the map form; zero shares are dropped.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map: BTreeMap<C, SafeFloat> = serde::Deserialize::deserialize(d)?;
        Ok(Self::from_map(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Random updates (new, changed and zeroed shares of a few coldkeys) against a plain map
    /// with the same rule: same shares in the same order, and the one-share form exactly when
    /// there is one share (so that equality is that of the shares).
    #[test]
    fn shares_are_the_map() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        for case in 0..2_000 {
            let mut shares: Shares<u8> = Shares::default();
            let mut map: BTreeMap<u8, SafeFloat> = BTreeMap::new();
            for step in 0..rng.gen_range(0..40) {
                let c = rng.gen_range(0..5u8);
                let new = match rng.gen_range(0..3) {
                    0 => SafeFloat::ZERO,
                    _ => SafeFloat::from_u64(rng.gen_range(1..1_000)),
                };
                shares.update(&c, |_| new);
                if new.is_zero() {
                    map.remove(&c);
                } else {
                    map.insert(c, new);
                }
                let got: Vec<_> = shares.iter().map(|(c, s)| (*c, *s)).collect();
                let want: Vec<_> = map.iter().map(|(c, s)| (*c, *s)).collect();
                assert_eq!(got, want, "case {case} step {step}");
                assert_eq!(
                    shares.one.is_some(),
                    map.len() == 1,
                    "case {case} step {step}"
                );
                assert!(shares.one.is_none() || shares.many.is_empty());
                assert_eq!(shares, Shares::from_map(map.clone()));
                for c in 0..5 {
                    assert_eq!(shares.get(&c), map.get(&c));
                }
                assert_eq!(shares.is_empty(), map.is_empty());
            }
        }
    }

    #[test]
    fn update_passes_the_current_share() {
        let mut shares: Shares<u8> = Shares::default();
        let add = |x: u64| move |s: &SafeFloat| s.add(&SafeFloat::from_u64(x)).unwrap();
        shares.update(&1, add(5));
        shares.update(&1, add(2));
        shares.update(&2, add(3));
        shares.update(&2, add(4));
        assert_eq!(shares.get(&1), Some(&SafeFloat::from_u64(7)));
        assert_eq!(shares.get(&2), Some(&SafeFloat::from_u64(7)));
    }
}
