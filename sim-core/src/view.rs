//! What an agent may look at: the chain state as anyone could read it from storage, plus the
//! off-chain quality that miners serve (what validators measure).

use crate::lifecycle::ops::{RegistrationState, SubnetRegistration};
use crate::network::Network;
use crate::neurons::HotkeyId;
use crate::params::Params;
use crate::rules::Rules;
use crate::served::ServedTotals;
use crate::subnet::Subnet;
use crate::units::{BlockNumber, ColdkeyId, NetUid, Tao};

/// A read-only view of the network at the block being processed.
pub struct NetworkView<'a> {
    pub(crate) network: &'a Network,
    pub(crate) rules: &'a Rules,
    pub(crate) params: &'a Params,
    pub(crate) registration: &'a RegistrationState,
    /// Served quality per hotkey id (0 for hotkeys that serve nothing).
    pub(crate) quality: &'a [f64],
    /// Per subnet, the quality its UIDs serve in total, as at the block's first ask.
    pub(crate) served_totals: &'a ServedTotals,
}

impl<'a> NetworkView<'a> {
    /// A view for tests and tools outside the engine.
    pub fn new(
        network: &'a Network,
        rules: &'a Rules,
        params: &'a Params,
        registration: &'a RegistrationState,
        quality: &'a [f64],
        served_totals: &'a ServedTotals,
    ) -> Self {
        Self {
            network,
            rules,
            params,
            registration,
            quality,
            served_totals,
        }
    }

    /// The block being processed.
    pub fn block(&self) -> BlockNumber {
        self.network.block
    }

    pub fn network(&self) -> &'a Network {
        self.network
    }

    pub fn rules(&self) -> &'a Rules {
        self.rules
    }

    pub fn params(&self) -> &'a Params {
        self.params
    }

    /// Modelled subnets in netuid order (root first when modelled).
    pub fn subnets(&self) -> &'a [Subnet] {
        &self.network.subnets
    }

    pub fn subnet(&self, netuid: NetUid) -> Option<&'a Subnet> {
        let subnets = &self.network.subnets;
        subnet_index(subnets, netuid).map(|i| &subnets[i])
    }

    /// The burn a neuron registration on `netuid` pays now.
    pub fn neuron_price(&self, netuid: NetUid) -> Tao {
        self.registration.neuron_price(netuid, self.rules)
    }

    /// Each non-root subnet in netuid order with what [`Self::neuron_price`] and
    /// [`Self::immunity_period`] give for it, read in one ordered pass over the registration
    /// state (both are kept in netuid order) instead of two map lookups per subnet: a miner
    /// looking for a subnet reads all of them.
    pub fn registration_terms(&self) -> impl Iterator<Item = (&'a Subnet, Tao, u64)> + '_ {
        let mut stored = self.registration.per_subnet.iter().peekable();
        self.network
            .subnets
            .iter()
            .filter(|s| !s.is_root())
            .map(move |s| {
                while stored.next_if(|(netuid, _)| **netuid < s.netuid).is_some() {}
                let (price, immunity) = match stored.next_if(|(netuid, _)| **netuid == s.netuid) {
                    Some((_, r)) => (r.neuron.price(), r.immunity_period),
                    None => {
                        let r = SubnetRegistration::new_subnet(self.rules);
                        (r.neuron.price(), r.immunity_period)
                    }
                };
                (s, price, u64::from(immunity))
            })
    }

    /// `ImmunityPeriod` of `netuid`, in blocks.
    pub fn immunity_period(&self, netuid: NetUid) -> u64 {
        let period = match self.registration.per_subnet.get(&netuid) {
            Some(r) => r.immunity_period,
            None => SubnetRegistration::new_subnet(self.rules).immunity_period,
        };
        u64::from(period)
    }

    /// The lock a subnet registration costs now.
    pub fn lock_cost(&self) -> Tao {
        self.registration.lock_cost(self.network, self.params)
    }

    pub fn free_balance(&self, coldkey: ColdkeyId) -> Tao {
        self.network.ledger.free_balance(coldkey)
    }

    /// The alpha `coldkey` holds on `hotkey` on `netuid` (TAO on root).
    pub fn stake(&self, coldkey: ColdkeyId, hotkey: HotkeyId, netuid: NetUid) -> u64 {
        self.subnet(netuid)
            .and_then(|s| s.pools.get(&hotkey))
            .map_or(0, |p| p.stake_of(&coldkey))
    }

    /// All alpha staked on `hotkey` on `netuid` (`TotalHotkeyAlpha`).
    pub fn hotkey_stake(&self, hotkey: HotkeyId, netuid: NetUid) -> u64 {
        self.subnet(netuid)
            .and_then(|s| s.pools.get(&hotkey))
            .map_or(0, |p| p.value())
    }

    /// The UID of `hotkey` on `netuid`, if registered.
    pub fn uid(&self, netuid: NetUid, hotkey: HotkeyId) -> Option<u16> {
        self.subnet(netuid).and_then(|s| s.neurons.uid_of(hotkey))
    }

    /// The quality `hotkey` serves (0 when it serves nothing).
    pub fn quality(&self, hotkey: HotkeyId) -> f64 {
        self.quality.get(hotkey.0 as usize).copied().unwrap_or(0.0)
    }

    /// The quality all UIDs of `netuid` serve together, as at the first call in this block.
    pub fn served_total(&self, netuid: NetUid) -> f64 {
        let subnets = &self.network.subnets;
        let Some(i) = subnet_index(subnets, netuid) else {
            return 0.0;
        };
        self.served_totals.total(subnets, self.quality, netuid, i)
    }
}

/// The index of `netuid` among `subnets`, which are kept in netuid order (root first): a
/// binary search, tried first at the index the netuid has when the netuids are dense (each
/// subnet a cache line or more apart, so the probe saves the search's misses). Same answer as
/// the search alone: netuids are unique and a probe only hits the subnet with that netuid.
pub fn subnet_index(subnets: &[Subnet], netuid: NetUid) -> Option<usize> {
    let guess = usize::from(netuid.0);
    if subnets.get(guess).is_some_and(|s| s.netuid == netuid) {
        return Some(guess);
    }
    subnets.binary_search_by_key(&netuid, |s| s.netuid).ok()
}
