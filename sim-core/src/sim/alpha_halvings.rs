//! Each subnet's alpha halvings, as they happen: a subnet's alpha emission halves when its alpha
//! issuance (`get_alpha_issuance`, In + Out) crosses the same thresholds as TAO's
//! (`get_block_emission_for_issuance` on the alpha issuance, spec 2.3).

use crate::emission::{block_emission_for_issuance, halving_threshold, halvings_at};
use crate::subnet::Subnet;
use crate::time::UnixMillis;
use crate::units::{BlockNumber, NetUid};

/// A subnet's alpha halving: the first block whose coinbase mints its alpha at the halved rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlphaHalvingRecord {
    pub netuid: NetUid,
    pub halvings: u32,
    pub block: BlockNumber,
    pub time_ms: UnixMillis,
    /// Alpha issuance (rao) at the start of that block.
    pub alpha_issuance: u64,
    /// The block the subnet was registered at (a netuid can be reused after a dissolution).
    pub registered_at: BlockNumber,
}

#[derive(Clone, Copy, Debug)]
struct Watch {
    registered_at: BlockNumber,
    halvings: u32,
    /// Below this issuance the halving count cannot have changed: checked with one comparison.
    check_from: u64,
}

/// Watches every subnet's alpha issuance for its next halving.
#[derive(Debug, Default)]
pub struct AlphaHalvings {
    /// By netuid (a vector: every block looks up every subnet).
    watch: Vec<Option<Watch>>,
    records: Vec<AlphaHalvingRecord>,
}

impl AlphaHalvings {
    pub fn records(&self) -> &[AlphaHalvingRecord] {
        &self.records
    }

    /// Called at the start of each block, before the coinbase reads the alpha issuance.
    pub fn observe(&mut self, block: BlockNumber, time_ms: UnixMillis, subnets: &[Subnet]) {
        for s in subnets.iter().filter(|s| !s.is_root()) {
            let issuance = s.alpha_issuance();
            let at = usize::from(s.netuid.0);
            if self.watch.len() <= at {
                self.watch.resize(at + 1, None);
            }
            let w = self.watch[at].get_or_insert_with(|| Watch::new(s));
            if w.registered_at != s.registered_at {
                *w = Watch::new(s);
            }
            if issuance < w.check_from {
                continue;
            }
            let halvings = count(issuance);
            if halvings > w.halvings {
                self.records.push(AlphaHalvingRecord {
                    netuid: s.netuid,
                    halvings,
                    block,
                    time_ms,
                    alpha_issuance: issuance,
                    registered_at: s.registered_at,
                });
                w.halvings = halvings;
                w.check_from = check_from(halvings);
            }
        }
    }
}

impl Watch {
    /// A subnet first seen: the halvings it already has are not events of this run.
    fn new(s: &Subnet) -> Watch {
        let halvings = count(s.alpha_issuance());
        Watch {
            registered_at: s.registered_at,
            halvings,
            check_from: check_from(halvings),
        }
    }
}

fn count(issuance: u64) -> u32 {
    halvings_at(block_emission_for_issuance(issuance).unwrap_or(0))
}

/// The chain's fixed-point logarithm may put the crossing a little before the exact threshold:
/// start the exact check 0.1 % below it.
fn check_from(halvings: u32) -> u64 {
    let next = halving_threshold(halvings + 1).0;
    next - next / 1000
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amm::{Pool, QuoteWeight};
    use crate::units::{Alpha, Tao};

    #[test]
    fn records_the_first_block_past_each_threshold_once() {
        let pool = Pool::new(Tao(1_000_000_000), Alpha(1_000_000_000), QuoteWeight::HALF);
        let mut s = Subnet::new(NetUid(3), pool, 360, 0);
        let t1 = halving_threshold(1).0;
        let mut h = AlphaHalvings::default();
        s.alpha_out = Alpha(t1 - 2_000_000_000);
        h.observe(10, 0, std::slice::from_ref(&s));
        assert!(h.records().is_empty());
        s.alpha_out = Alpha(t1 - s.pool.alpha_reserve.0);
        h.observe(11, 12_000, std::slice::from_ref(&s));
        h.observe(12, 24_000, std::slice::from_ref(&s));
        assert_eq!(h.records().len(), 1);
        assert_eq!((h.records()[0].block, h.records()[0].halvings), (11, 1));
        // A new subnet on the same netuid starts its own count.
        s.registered_at = 12;
        s.alpha_out = Alpha(0);
        h.observe(13, 36_000, std::slice::from_ref(&s));
        s.alpha_out = Alpha(t1);
        h.observe(14, 48_000, std::slice::from_ref(&s));
        assert_eq!(h.records().len(), 2);
        assert_eq!(h.records()[1].registered_at, 12);
    }
}
