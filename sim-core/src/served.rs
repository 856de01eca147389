//! Each subnet's total served quality, as the agents acting in a block see it: computed at the
//! first ask of the block, from the state at that moment, and shared by the rest of the block.
//!
//! Summing every subnet afresh each block is a chain of dependent float additions over every
//! UID of the network (32,768 of them in the full network), every block an agent asks. The sum
//! of a subnet is a function of its hotkeys in UID order and of their qualities only, so a
//! subnet whose hotkeys and their qualities are unchanged since its last sum keeps that sum:
//! the same additions in the same order give the same bits. Only the others are summed again.
//! What marks a subnet as changed: its hotkey column has another stamp than the one kept with its
//! sum (registrations, replacements, a new subnet at the netuid: [`crate::neurons::ColumnStamp`];
//! reading one stamp per subnet each block replaced comparing every column with a kept copy,
//! 32,768 entries of the network a block), a hotkey of it served a different quality
//! ([`ServedTotals::quality_set`]), or the list of subnets changed (then all are summed).

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
    /// Per subnet position: its sum, the hotkey column it was taken over and that column's stamp.
    sums: Vec<f64>,
    columns: Vec<Vec<HotkeyId>>,
    stamps: Vec<u64>,
    /// Per hotkey id: the subnet positions whose kept column holds it (once per occurrence).
    positions_of: Vec<Vec<u32>>,
    /// Hotkeys whose quality changed since the last refresh.
    changed: Vec<HotkeyId>,
    /// Reused: per subnet position, whether it is summed again; the positions that are.
    dirty: Vec<bool>,
    summed: Vec<usize>,
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
            None => subnet_sum(subnets[position].neurons.hotkeys(), quality),
        }
    }
}

/// A subnet's total: its UIDs' qualities added in UID order, from -0.0 as `Iterator::sum` does
/// (-0.0 is the identity of IEEE addition, so this is every sum's one summation).
fn subnet_sum(hotkeys: &[HotkeyId], quality: &[f64]) -> f64 {
    add_in_uid_order(-0.0, hotkeys, quality)
}

/// `start` plus each of `hotkeys`' qualities in turn.
fn add_in_uid_order(start: f64, hotkeys: &[HotkeyId], quality: &[f64]) -> f64 {
    hotkeys
        .iter()
        .fold(start, |acc, hk| acc + quality_of(quality, *hk))
}

fn quality_of(quality: &[f64], hk: HotkeyId) -> f64 {
    quality.get(hk.0 as usize).copied().unwrap_or(0.0)
}

/// Four subnets' [`subnet_sum`]s side by side: each is its own chain of additions in UID order,
/// so each sum has the same bits, but the four chains overlap (one chain waits on each
/// addition's latency and each load's miss).
fn subnet_sums4(columns: [&[HotkeyId]; 4], quality: &[f64]) -> [f64; 4] {
    let common = columns.iter().map(|c| c.len()).min().unwrap_or(0);
    let [a, b, c, d] = columns.map(|c| &c[..common]);
    let mut acc = [-0.0f64; 4];
    for (((a, b), c), d) in a.iter().zip(b).zip(c).zip(d) {
        acc[0] += quality_of(quality, *a);
        acc[1] += quality_of(quality, *b);
        acc[2] += quality_of(quality, *c);
        acc[3] += quality_of(quality, *d);
    }
    for (sum, column) in acc.iter_mut().zip(columns) {
        *sum = add_in_uid_order(*sum, &column[common..], quality);
    }
    acc
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
            let stamp = s.neurons.hotkey_stamp();
            if stamp == self.stamps[p] {
                continue;
            }
            self.stamps[p] = stamp;
            let now = s.neurons.hotkeys();
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
            self.columns[p].clear();
            self.columns[p].extend_from_slice(now);
        }
        for hk in self.changed.drain(..) {
            for &p in self.positions_of.get(hk.0 as usize).into_iter().flatten() {
                self.dirty[p as usize] = true;
            }
        }
        self.summed.clear();
        self.summed
            .extend((0..subnets.len()).filter(|&p| self.dirty[p]));
        for group in self.summed.chunks(4) {
            // A short last group repeats its last subnet (summed twice, the same bits).
            let at = |i: usize| group[i.min(group.len() - 1)];
            let columns = [0, 1, 2, 3].map(|i| subnets[at(i)].neurons.hotkeys());
            for (i, sum) in subnet_sums4(columns, quality).into_iter().enumerate() {
                self.sums[at(i)] = sum;
            }
        }
        debug_assert!(
            subnets
                .iter()
                .zip(&self.sums)
                .zip(&self.columns)
                .all(|((s, sum), column)| {
                    s.neurons.hotkeys() == column
                        && subnet_sum(s.neurons.hotkeys(), quality).to_bits() == sum.to_bits()
                }),
            "a kept served-quality column or total differs from the subnet's"
        );
    }

    /// Everything from scratch: the subnets' list changed (or the first ask).
    fn rebuild(&mut self, subnets: &[Subnet], quality: &[f64]) {
        self.netuids = subnets.iter().map(|s| s.netuid).collect();
        self.sums = subnets
            .iter()
            .map(|s| subnet_sum(s.neurons.hotkeys(), quality))
            .collect();
        self.columns = subnets
            .iter()
            .map(|s| s.neurons.hotkeys().to_vec())
            .collect();
        self.stamps = subnets.iter().map(|s| s.neurons.hotkey_stamp()).collect();
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
        let neurons = &mut subnets[s].neurons;
        match rng.gen_range(0..12) {
            0..=5 => {
                let q: f64 = if rng.gen_bool(0.2) { 0.0 } else { rng.gen() };
                let old = &mut quality[hk.0 as usize];
                if q.to_bits() != old.to_bits() {
                    *old = q;
                    totals.quality_set(hk);
                }
            }
            6 | 7 => {
                neurons.push(hk, 0);
            }
            8 => {
                if !neurons.is_empty() {
                    let uid = rng.gen_range(0..neurons.len());
                    neurons.set_hotkey(uid, hk);
                }
            }
            9 => {
                // A new subnet at the same netuid (dissolved and registered again), with fewer
                // UIDs, or a clone of the same neurons (same stamp, same column).
                let column = neurons.hotkeys().to_vec();
                if rng.gen_bool(0.5) {
                    let mut fresh = crate::neurons::Neurons::default();
                    for &h in column.iter().skip(1) {
                        fresh.push(h, 0);
                    }
                    *neurons = fresh;
                } else {
                    *neurons = neurons.clone();
                }
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
                .map(|s| (s.netuid, subnet_sum(s.neurons.hotkeys(), &quality)))
                .collect();
            for _round in 0..2 {
                for (p, s) in subnets.iter().enumerate() {
                    let got = totals.total(&subnets, &quality, s.netuid, p);
                    let want = match seen.iter().find(|(n, _)| *n == s.netuid) {
                        Some(&(_, sum)) => sum,
                        None => subnet_sum(s.neurons.hotkeys(), &quality),
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

    /// `subnet_sum` and each of `subnet_sums4`'s sums against `Iterator::sum` over the same
    /// qualities, on columns of unequal lengths (empty ones too), with zeros, negative zeros
    /// and hotkeys beyond the quality table.
    #[test]
    fn side_by_side_sums_are_the_iterator_sums() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let quality: Vec<f64> = (0..HOTKEYS)
            .map(|i| match i % 5 {
                0 => 0.0,
                1 => -0.0,
                _ => rng.gen::<f64>() * 10f64.powi(rng.gen_range(-8..8)),
            })
            .collect();
        let want = |c: &[HotkeyId]| -> f64 {
            c.iter()
                .map(|hk| quality.get(hk.0 as usize).copied().unwrap_or(0.0))
                .sum()
        };
        for case in 0..20_000 {
            let columns: Vec<Vec<HotkeyId>> = (0..4)
                .map(|_| {
                    let n = if rng.gen_bool(0.1) {
                        0
                    } else {
                        rng.gen_range(0..300)
                    };
                    (0..n)
                        .map(|_| HotkeyId(rng.gen_range(0..HOTKEYS + 5)))
                        .collect()
                })
                .collect();
            let got = subnet_sums4([0, 1, 2, 3].map(|i| columns[i].as_slice()), &quality);
            for (g, c) in got.iter().zip(&columns) {
                assert_eq!(g.to_bits(), want(c).to_bits(), "case {case}");
                assert_eq!(subnet_sum(c, &quality).to_bits(), want(c).to_bits());
            }
        }
    }
}
