//! Each subnet's total served quality, as the agents acting in a block see it: computed at the
//! first ask of the block, from the state at that moment, and shared by the rest of the block.
//!
//! Summing every subnet afresh each block is a chain of dependent float additions over every
//! UID of the network (32,768 of them in the full network), every block an agent asks. The sum
//! of a subnet is a function of its hotkeys in UID order and of their qualities only, so a
//! subnet whose hotkeys and their qualities are unchanged since its last sum keeps that sum:
//! the same additions in the same order give the same bits. Only the others are summed again.
//! What marks a subnet as changed: its hotkey column differs from the copy kept with its sum
//! (registrations, replacements, dissolutions, by comparison, whoever made them), a hotkey of
//! it served a different quality ([`ServedTotals::quality_set`]), or the list of subnets
//! changed (then all are summed).

use crate::neurons::HotkeyId;
use crate::subnet::Subnet;
use crate::units::NetUid;
use std::cell::RefCell;

/// The served-quality totals per subnet (by position in `network.subnets`).
#[derive(Debug, Default)]
pub struct ServedTotals {
    inner: RefCell<Totals>,
}

#[derive(Debug, Default)]
struct Totals {
    /// Summed in the current block already: later asks in the block read `sums` as they are.
    fresh: bool,
    /// The netuids the positions below belong to.
    netuids: Vec<NetUid>,
    /// Per subnet position: its sum and the hotkey column it was taken over.
    sums: Vec<f64>,
    columns: Vec<Vec<HotkeyId>>,
    /// Per hotkey id: the subnet positions whose kept column holds it (once per occurrence).
    positions_of: Vec<Vec<u32>>,
    /// Hotkeys whose quality changed since the last refresh.
    changed: Vec<HotkeyId>,
    /// Reused: per subnet position, whether it is summed again.
    dirty: Vec<bool>,
}

impl ServedTotals {
    /// A new block: the next ask sums again what changed since the last one.
    pub(crate) fn new_block(&mut self) {
        self.inner.get_mut().fresh = false;
    }

    /// `hotkey` now serves a different quality (bits differ from before).
    pub(crate) fn quality_set(&mut self, hotkey: HotkeyId) {
        self.inner.get_mut().changed.push(hotkey);
    }

    /// The total served quality of `netuid` (at `position` in `subnets`) as at the block's
    /// first ask. A subnet that did not exist then (registered later in the block) is summed
    /// as it is now.
    pub(crate) fn total(
        &self,
        subnets: &[Subnet],
        quality: &[f64],
        netuid: NetUid,
        position: usize,
    ) -> f64 {
        let mut t = self.inner.borrow_mut();
        if !t.fresh {
            t.refresh(subnets, quality);
            t.fresh = true;
        }
        let kept = if t.netuids.get(position) == Some(&netuid) {
            Some(position)
        } else {
            t.netuids.binary_search(&netuid).ok()
        };
        match kept {
            Some(p) => t.sums[p],
            None => subnet_sum(&subnets[position].neurons.hotkey, quality),
        }
    }
}

/// A subnet's total: its UIDs' qualities added in UID order (the one summation every sum uses).
fn subnet_sum(hotkeys: &[HotkeyId], quality: &[f64]) -> f64 {
    hotkeys
        .iter()
        .map(|hk| quality.get(hk.0 as usize).copied().unwrap_or(0.0))
        .sum()
}

/// Whether two hotkey columns are equal, by an OR of XORs over every entry: no early exit, so it
/// runs in vector lanes (a derived slice `==` compares entry by entry with a branch each; this is
/// every UID of the network every block an agent asks).
fn same_column(a: &[HotkeyId], b: &[HotkeyId]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u32, |acc, (x, y)| acc | (x.0 ^ y.0)) == 0
}

impl Totals {
    fn refresh(&mut self, subnets: &[Subnet], quality: &[f64]) {
        if !self.netuids.iter().eq(subnets.iter().map(|s| &s.netuid)) {
            self.rebuild(subnets, quality);
            return;
        }
        self.dirty.clear();
        self.dirty.resize(subnets.len(), false);
        for (p, s) in subnets.iter().enumerate() {
            let now = &s.neurons.hotkey;
            if same_column(now, &self.columns[p]) {
                continue;
            }
            self.dirty[p] = true;
            let kept = &self.columns[p];
            for j in 0..kept.len().max(now.len()) {
                let (was, is) = (kept.get(j), now.get(j));
                if was == is {
                    continue;
                }
                if let Some(&hk) = was {
                    let list = &mut self.positions_of[hk.0 as usize];
                    let at = list.iter().position(|&x| x == p as u32);
                    list.swap_remove(at.expect("a kept hotkey is indexed at its subnet"));
                }
                if let Some(&hk) = is {
                    Self::index(&mut self.positions_of, hk, p);
                }
            }
            self.columns[p].clone_from(now);
        }
        for hk in self.changed.drain(..) {
            for &p in self.positions_of.get(hk.0 as usize).into_iter().flatten() {
                self.dirty[p as usize] = true;
            }
        }
        for (p, s) in subnets.iter().enumerate() {
            if self.dirty[p] {
                self.sums[p] = subnet_sum(&s.neurons.hotkey, quality);
            }
        }
        debug_assert!(
            subnets
                .iter()
                .zip(&self.sums)
                .all(|(s, sum)| subnet_sum(&s.neurons.hotkey, quality).to_bits() == sum.to_bits()),
            "a kept served-quality total differs from its fresh sum"
        );
    }

    /// Everything from scratch: the subnets' list changed (or the first ask).
    fn rebuild(&mut self, subnets: &[Subnet], quality: &[f64]) {
        self.netuids = subnets.iter().map(|s| s.netuid).collect();
        self.sums = subnets
            .iter()
            .map(|s| subnet_sum(&s.neurons.hotkey, quality))
            .collect();
        self.columns = subnets.iter().map(|s| s.neurons.hotkey.clone()).collect();
        self.positions_of.iter_mut().for_each(Vec::clear);
        for (p, column) in self.columns.iter().enumerate() {
            for &hk in column {
                Self::index(&mut self.positions_of, hk, p);
            }
        }
        self.changed.clear();
    }

    fn index(positions_of: &mut Vec<Vec<u32>>, hk: HotkeyId, p: usize) {
        let i = hk.0 as usize;
        if positions_of.len() <= i {
            positions_of.resize_with(i + 1, Vec::new);
        }
        positions_of[i].push(p as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amm::{Pool, QuoteWeight};
    use crate::units::{Alpha, Tao};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const HOTKEYS: u32 = 60;

    fn subnet(netuid: u16, hotkeys: &[u32]) -> Subnet {
        let pool = Pool::new(Tao(1_000_000_000), Alpha(1_000_000_000), QuoteWeight::HALF);
        let mut s = Subnet::new(NetUid(netuid), pool, 360, 0);
        for &h in hotkeys {
            s.neurons.push(HotkeyId(h), 0);
        }
        s
    }

    /// One random change of what the totals depend on.
    fn change(
        rng: &mut ChaCha8Rng,
        subnets: &mut Vec<Subnet>,
        quality: &mut [f64],
        totals: &mut ServedTotals,
    ) {
        let s = rng.gen_range(0..subnets.len());
        let hk = HotkeyId(rng.gen_range(0..HOTKEYS));
        let column = &mut subnets[s].neurons.hotkey;
        match rng.gen_range(0..12) {
            0..=5 => {
                let q: f64 = if rng.gen_bool(0.2) { 0.0 } else { rng.gen() };
                let old = &mut quality[hk.0 as usize];
                if q.to_bits() != old.to_bits() {
                    *old = q;
                    totals.quality_set(hk);
                }
            }
            6 | 7 => column.push(hk),
            8 => {
                if !column.is_empty() {
                    let uid = rng.gen_range(0..column.len());
                    column[uid] = hk;
                }
            }
            9 => {
                column.pop();
            }
            10 if subnets.len() > 1 => {
                subnets.remove(rng.gen_range(1..subnets.len()));
            }
            _ => {
                let netuid = subnets.last().map_or(0, |s| s.netuid.0) + 1;
                subnets.push(subnet(netuid, &[hk.0, (hk.0 + 1) % HOTKEYS]));
            }
        }
    }

    /// Random blocks of quality changes, registrations, replacements, removals and subnet list
    /// changes, before and after the block's first ask: every answer is the sum the first ask
    /// of the block saw (taken afresh over the whole state at that moment), to the bit.
    #[test]
    fn same_column_is_slice_equality() {
        let a: Vec<HotkeyId> = (0..300).map(HotkeyId).collect();
        assert!(same_column(&a, &a.clone()));
        assert!(same_column(&[], &[]));
        assert!(!same_column(&a, &a[..299]));
        for i in 0..a.len() {
            for flip in [1u32, 1 << 31] {
                let mut b = a.clone();
                b[i].0 ^= flip;
                assert!(!same_column(&a, &b), "entry {i}");
            }
        }
    }

    #[test]
    fn kept_totals_equal_the_sums_at_the_first_ask() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut quality: Vec<f64> = (0..HOTKEYS).map(|_| rng.gen()).collect();
        let mut subnets: Vec<Subnet> = (0..5u16)
            .map(|n| {
                let hk: Vec<u32> = (0..rng.gen_range(0..12))
                    .map(|_| rng.gen_range(0..HOTKEYS))
                    .collect();
                subnet(n, &hk)
            })
            .collect();
        let mut totals = ServedTotals::default();
        let mut asked = 0;
        for block in 0..5_000 {
            totals.new_block();
            for _ in 0..rng.gen_range(0..4) {
                change(&mut rng, &mut subnets, &mut quality, &mut totals);
            }
            if block % 4 == 3 {
                continue; // a block where nobody asks: its changes count at the next ask
            }
            let seen: Vec<(NetUid, f64)> = subnets
                .iter()
                .map(|s| (s.netuid, subnet_sum(&s.neurons.hotkey, &quality)))
                .collect();
            for _round in 0..2 {
                for (p, s) in subnets.iter().enumerate() {
                    let got = totals.total(&subnets, &quality, s.netuid, p);
                    let want = match seen.iter().find(|(n, _)| *n == s.netuid) {
                        Some(&(_, sum)) => sum,
                        None => subnet_sum(&s.neurons.hotkey, &quality),
                    };
                    assert_eq!(
                        got.to_bits(),
                        want.to_bits(),
                        "block {block}, {:?}",
                        s.netuid
                    );
                    asked += 1;
                }
                // Later in the block: changes the block's answers must not see.
                for _ in 0..rng.gen_range(0..3) {
                    change(&mut rng, &mut subnets, &mut quality, &mut totals);
                }
            }
        }
        assert!(asked > 20_000);
    }
}
