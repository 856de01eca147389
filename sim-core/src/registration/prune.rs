//! Which UID a registration on a full subnet replaces (spec 4.3), and which subnet a registration
//! at the subnet limit dissolves (spec 5.4).
//!
//! Mirrors `subnets/registration.rs::get_neuron_to_prune` and `get_immune_owner_tuples`, and
//! `coinbase/root.rs::get_network_to_prune`, over plain per-UID / per-subnet data.

use crate::units::{Alpha, BlockNumber, NetUid, Uid};
use substrate_fixed::types::U64F64;

/// `MinNonImmuneUids` default: a subnet keeps at least this many prunable non-immune UIDs
/// before immune ones are considered.
pub const DEFAULT_MIN_NON_IMMUNE_UIDS: u16 = 10;
/// `ImmuneOwnerUidsLimit` default: only the owner hotkey is immortal.
pub const DEFAULT_IMMUNE_OWNER_UIDS_LIMIT: u16 = 1;

/// Whether a neuron registered at `registered_at` is still immune at `block`:
/// `block − registered_at < ImmunityPeriod`, saturating (`get_neuron_is_immune`).
pub fn is_immune(block: BlockNumber, registered_at: BlockNumber, immunity_period: u16) -> bool {
    block.saturating_sub(registered_at) < u64::from(immunity_period)
}

/// The owner's UIDs that are never pruned (`get_immune_owner_tuples`).
///
/// The owner coldkey's registered hotkeys (`owner_coldkey_uids`, one UID each) are ordered by
/// registration block, then UID, and the first `limit` kept; then the subnet owner hotkey's UID,
/// if it is registered and not already kept, goes in front and the list is cut to `limit` again.
/// So with the default limit of 1 only the owner hotkey is immortal, and the owner coldkey's
/// oldest other hotkeys follow as the limit grows. UIDs beyond `registered_at` count as
/// registered at block 0, like the chain's storage default.
pub fn immune_owner_uids(
    owner_hotkey_uid: Option<Uid>,
    owner_coldkey_uids: &[Uid],
    registered_at: &[BlockNumber],
    limit: u16,
) -> Vec<Uid> {
    let reg_block = |uid: Uid| registered_at.get(usize::from(uid.0)).copied().unwrap_or(0);
    let mut kept: Vec<Uid> = owner_coldkey_uids.to_vec();
    kept.sort_by_key(|uid| (reg_block(*uid), *uid));
    let limit = usize::from(limit);
    kept.truncate(limit);
    if let Some(owner) = owner_hotkey_uid {
        if !kept.contains(&owner) {
            kept.insert(0, owner);
            kept.truncate(limit);
        }
    }
    kept
}

/// One subnet's neurons as `get_neuron_to_prune` reads them, indexed by UID.
#[derive(Clone, Copy, Debug)]
pub struct NeuronPruneView<'a> {
    /// `BlockAtRegistration` per UID; its length is `SubnetworkN`.
    pub registered_at: &'a [BlockNumber],
    /// `Emission` per UID (last epoch's combined emission), the pruning score since the dTAO
    /// era. Missing entries count as 0, as the chain's `unwrap_or(ZERO)` does.
    pub emission: &'a [Alpha],
    /// UIDs never pruned: [`immune_owner_uids`].
    pub immortal: &'a [Uid],
    /// `ImmunityPeriod`.
    pub immunity_period: u16,
    /// `MinNonImmuneUids`.
    pub min_non_immune_uids: u16,
}

/// The UID a registration on a full subnet replaces (`get_neuron_to_prune`), or `None` when every
/// UID is immortal (the chain's `NoNeuronIdAvailable`).
///
/// Among non-immortal UIDs, the best candidate is the lowest emission, then the earliest
/// registration, then the lowest UID, kept separately for non-immune and immune UIDs. The
/// non-immune one is taken only while more than `MinNonImmuneUids` non-immune UIDs exist;
/// otherwise the immune one (or none, if no UID is immune).
pub fn neuron_to_prune(view: &NeuronPruneView<'_>, block: BlockNumber) -> Option<Uid> {
    // (emission, registration block, uid): tuple order is exactly the chain's preference.
    type Key = (Alpha, BlockNumber, u16);
    let mut best_free: Option<Key> = None;
    let mut best_immune: Option<Key> = None;
    let mut free_count: u16 = 0;
    for (index, &reg_block) in view.registered_at.iter().enumerate() {
        let Ok(uid) = u16::try_from(index) else {
            break;
        };
        if view.immortal.contains(&Uid(uid)) {
            continue;
        }
        let emission = view.emission.get(index).copied().unwrap_or(Alpha::ZERO);
        let key = (emission, reg_block, uid);
        let slot = if is_immune(block, reg_block, view.immunity_period) {
            &mut best_immune
        } else {
            free_count = free_count.saturating_add(1);
            &mut best_free
        };
        match slot {
            Some(best) if *best <= key => {}
            _ => *slot = Some(key),
        }
    }
    let pick = match best_free {
        Some(free) if free_count > view.min_non_immune_uids => Some(free),
        _ => best_immune,
    };
    pick.map(|(_, _, uid)| Uid(uid))
}

/// A subnet as `get_network_to_prune` sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubnetPruneView {
    pub netuid: NetUid,
    /// `NetworkRegisteredAt`.
    pub registered_at: BlockNumber,
    /// `get_moving_alpha_price`: `SubnetMovingPrice` as U64F64 (a negative EMA reads as 0).
    pub moving_price: U64F64,
}

/// The subnet a registration at the subnet limit dissolves (`get_network_to_prune`): among
/// non-root subnets past `NetworkImmunityPeriod` (`block ≥ registered_at + period`), the lowest
/// moving price, ties to the earliest registration, then to the first in the given order (pass
/// subnets in netuid order, as the chain iterates them). `None` if every subnet is immune.
pub fn network_to_prune(
    subnets: impl IntoIterator<Item = SubnetPruneView>,
    block: BlockNumber,
    network_immunity_period: u64,
) -> Option<NetUid> {
    let mut best: Option<SubnetPruneView> = None;
    for subnet in subnets {
        if subnet.netuid.is_root()
            || block < subnet.registered_at.saturating_add(network_immunity_period)
        {
            continue;
        }
        let key = (subnet.moving_price, subnet.registered_at);
        match best {
            Some(b) if (b.moving_price, b.registered_at) <= key => {}
            _ => best = Some(subnet),
        }
    }
    best.map(|s| s.netuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uids(v: &[u16]) -> Vec<Uid> {
        v.iter().map(|u| Uid(*u)).collect()
    }

    #[test]
    fn the_owner_hotkey_comes_first_then_the_oldest_owner_keys() {
        // UIDs 3, 5, 7 belong to the owner coldkey, registered at 50, 10, 10; the owner hotkey
        // is UID 9.
        let mut reg = vec![0u64; 10];
        reg[3] = 50;
        reg[5] = 10;
        reg[7] = 10;
        let owned = uids(&[3, 7, 5]);
        assert_eq!(immune_owner_uids(Some(Uid(9)), &owned, &reg, 1), uids(&[9]));
        assert_eq!(
            immune_owner_uids(Some(Uid(9)), &owned, &reg, 3),
            uids(&[9, 5, 7])
        );
        assert_eq!(
            immune_owner_uids(Some(Uid(9)), &owned, &reg, 2),
            uids(&[9, 5])
        );
        assert_eq!(immune_owner_uids(None, &owned, &reg, 3), uids(&[5, 7, 3]));
        // Already among the kept: not inserted twice.
        assert_eq!(
            immune_owner_uids(Some(Uid(7)), &owned, &reg, 2),
            uids(&[5, 7])
        );
        assert_eq!(immune_owner_uids(Some(Uid(9)), &owned, &reg, 0), uids(&[]));
    }

    /// 14 UIDs at block 10,000 with immunity 5,000: UIDs 0..=11 registered at 1,000 (free),
    /// 12 and 13 at 9,000 (immune). UID 0 is the owner's.
    fn subnet() -> (Vec<BlockNumber>, Vec<Alpha>) {
        let mut reg = vec![1_000u64; 14];
        reg[12] = 9_000;
        reg[13] = 9_000;
        let emission = (0..14u64).map(|u| Alpha(100 + u)).collect();
        (reg, emission)
    }

    #[test]
    fn the_lowest_emission_non_immune_uid_goes() {
        let (reg, mut emission) = subnet();
        emission[0] = Alpha(0); // the owner: never pruned
        emission[13] = Alpha(1); // immune: not while enough free UIDs remain
        emission[4] = Alpha(50);
        let immortal = uids(&[0]);
        let view = NeuronPruneView {
            registered_at: &reg,
            emission: &emission,
            immortal: &immortal,
            immunity_period: 5_000,
            min_non_immune_uids: 10,
        };
        // 11 free UIDs (1..=11) > 10: the best free one, UID 4.
        assert_eq!(neuron_to_prune(&view, 10_000), Some(Uid(4)));
        // With a floor of 11 the free UIDs are protected: the best immune one, UID 13.
        let protected = NeuronPruneView {
            min_non_immune_uids: 11,
            ..view
        };
        assert_eq!(neuron_to_prune(&protected, 10_000), Some(Uid(13)));
    }

    #[test]
    fn ties_go_to_the_earliest_registration_then_the_lowest_uid() {
        let (mut reg, _) = subnet();
        let emission = vec![Alpha(7); 14];
        reg[6] = 900;
        reg[8] = 900;
        let view = NeuronPruneView {
            registered_at: &reg,
            emission: &emission,
            immortal: &[],
            immunity_period: 5_000,
            min_non_immune_uids: 10,
        };
        assert_eq!(neuron_to_prune(&view, 10_000), Some(Uid(6)));
        // Short emission vector: the missing UIDs count as 0 and win.
        let short = NeuronPruneView {
            emission: &emission[..11],
            ..view
        };
        assert_eq!(neuron_to_prune(&short, 10_000), Some(Uid(11)));
    }

    #[test]
    fn nothing_to_prune_when_all_are_immortal_or_no_immune_fallback() {
        let reg = vec![1_000u64; 3];
        let emission = vec![Alpha(1); 3];
        let all = uids(&[0, 1, 2]);
        let view = NeuronPruneView {
            registered_at: &reg,
            emission: &emission,
            immortal: &all,
            immunity_period: 5_000,
            min_non_immune_uids: 10,
        };
        assert_eq!(neuron_to_prune(&view, 10_000), None);
        // 3 free UIDs, none immune, floor 10: nothing may go.
        let none_immune = NeuronPruneView {
            immortal: &[],
            ..view
        };
        assert_eq!(neuron_to_prune(&none_immune, 10_000), None);
        assert!(is_immune(5_999, 1_000, 5_000));
        assert!(!is_immune(6_000, 1_000, 5_000));
        assert!(
            is_immune(0, 1_000, 1),
            "registered in the future: saturates to 0"
        );
    }

    #[test]
    fn the_cheapest_old_subnet_is_dissolved() {
        let s = |netuid, registered_at, price: f64| SubnetPruneView {
            netuid: NetUid(netuid),
            registered_at,
            moving_price: U64F64::from_num(price),
        };
        let subnets = [
            s(0, 0, 0.0), // root: never
            s(1, 100, 0.02),
            s(2, 50, 0.01),
            s(3, 10, 0.01),       // same price, earlier: wins the tie
            s(4, 900_000, 0.001), // immune until 1,764,000
        ];
        assert_eq!(
            network_to_prune(subnets, 1_000_000, 864_000),
            Some(NetUid(3))
        );
        assert_eq!(network_to_prune(subnets, 800_000, 864_000), None);
    }
}
