//! One subnet's state (spec section 11): its pool and alpha accounting, moving price, lifecycle
//! flags, pending emission buckets and epoch clock.

use crate::amm::Pool;
use crate::coinbase::flow::SubnetFlow;
use crate::neurons::{HotkeyId, Neurons, YumaHyper};
use crate::schedule::EpochClock;
use crate::stake::{RecycleOrBurn, SharePool};
use crate::units::ColdkeyId;
use crate::units::{Alpha, BlockNumber, NetUid, Tao};
use std::collections::BTreeMap;
use substrate_fixed::types::{I96F32, U96F32};

/// `InitialEmaPriceHalvingPeriod`: blocks over which a young subnet's EMA weight ramps up.
pub const DEFAULT_EMA_PRICE_HALVING_BLOCKS: u64 = 201_600;

/// `SubnetMechanism`: how a subnet prices its token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Mechanism {
    /// 0: the root subnet (and legacy stable subnets): 1 TAO = 1 alpha, no pool curve.
    Stable,
    /// 1: a dynamic subnet with an AMM pool.
    Dynamic,
}

/// Emission accumulated between epochs (`PendingServerEmission`, `PendingValidatorEmission`,
/// `PendingRootAlphaDivs`, `PendingOwnerCut`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    pub server: Alpha,
    pub validator: Alpha,
    pub root: Alpha,
    pub owner_cut: Alpha,
    /// Launch era (`PendingEmission`): one bucket for miners and validators, split by the epoch.
    pub emission: Alpha,
}

/// What the last block's coinbase did on this subnet (`SubnetTaoInEmission`,
/// `SubnetAlphaInEmission`, `SubnetAlphaOutEmission`, `SubnetExcessTao`, ...), for the trace.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BlockEmission {
    /// The subnet's share of the block's TAO (0 when outside the emit set).
    pub share: f64,
    pub tao_emission: Tao,
    pub tao_in: Tao,
    pub alpha_in: Alpha,
    pub alpha_out: Alpha,
    /// TAO spent on the chain buy.
    pub excess_tao: Tao,
    pub owner_cut: Alpha,
    pub root_alpha: Alpha,
    pub root_proportion: f64,
}

/// A subnet.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Subnet {
    pub netuid: NetUid,
    pub name: String,
    pub mechanism: Mechanism,
    /// The pool: `SubnetTAO`, `SubnetAlphaIn`, the balancer weight and `FeeRate`. For the root
    /// subnet `tao_reserve` is all root stake.
    pub pool: Pool,
    /// `SubnetAlphaOut`: alpha outstanding (stakes, pending buckets, protocol alpha, dust).
    pub alpha_out: Alpha,
    /// `SubnetProtocolAlpha`: bought by chain buys, owned by no staker.
    pub protocol_alpha: Alpha,
    /// Outstanding alpha held by stakers the run does not model one by one: the alpha_out at the
    /// start and every epoch payout that no modelled neuron or staker receives.
    pub alpha_staked: Alpha,
    /// Outstanding alpha assigned to nobody: the truncation dust of the alpha_out split (spec
    /// 2.8) and root alpha whose launch-era sell the pool refused.
    pub alpha_dust: Alpha,
    /// TAO in the subnet account beyond `SubnetTAO` and the lock: credit spent on chain buys the
    /// pool refused (the chain moves it to the account but not into `SubnetTAO`).
    pub account_surplus: Tao,
    /// `SubnetMovingPrice` (I96F32).
    pub moving_price: I96F32,
    /// `EMAPriceHalvingBlocks`.
    pub ema_price_halving_blocks: u64,
    /// `MinerBurned`: the share of last epoch's incentive withheld from owner hotkeys.
    pub miner_burned: U96F32,
    /// `NetworkRegisteredAt`.
    pub registered_at: BlockNumber,
    /// `FirstEmissionBlockNumber`: set by the owner's start call; no emission before it.
    pub first_emission_block: Option<BlockNumber>,
    /// `SubtokenEnabled`.
    pub subtoken_enabled: bool,
    /// `NetworkRegistrationAllowed`.
    pub registration_allowed: bool,
    /// `NetworkPowRegistrationAllowed` (the launch coinbase zeroed tao_in on PoW-only subnets).
    pub pow_registration_allowed: bool,
    /// `SubnetEmissionEnabled`: TAO-side emission (new subnets start disabled since 2026-06-23).
    pub emission_enabled: bool,
    /// `OwnerCutEnabled`.
    pub owner_cut_enabled: bool,
    /// `SubnetLocked`: the lock paid at registration.
    pub locked: Tao,
    pub pending: Pending,
    /// Launch era: TAO from root alpha sold every block, paid at the epoch (`PendingRootDivs`).
    pub pending_root_tao: Tao,
    /// Launch era: root alpha sold so far this epoch (`PendingAlphaSwapped`).
    pub pending_alpha_swapped: Alpha,
    pub clock: EpochClock,
    /// TAO flow accumulators and EMAs (`SubnetTaoFlow`, `SubnetEmaTaoFlow`, and the protocol's).
    pub flow: SubnetFlow,
    /// The last block's coinbase figures.
    pub last_emission: BlockEmission,
    /// `SubnetOwner` and `SubnetOwnerHotkey`.
    pub owner: Option<(ColdkeyId, HotkeyId)>,
    /// `RecycleOrBurn`: what happens to the owner's own hotkeys' incentive.
    pub recycle_or_burn: RecycleOrBurn,
    pub neurons: Neurons,
    pub hyper: YumaHyper,
    /// Stake per hotkey on this subnet (`TotalHotkeyAlpha`, shares per coldkey). On the root
    /// subnet these are root stakes.
    pub pools: BTreeMap<HotkeyId, SharePool<ColdkeyId>>,
    /// `RootClaimable[hotkey][netuid]`: root dividends per unit of the hotkey's root stake.
    pub root_claimable: BTreeMap<HotkeyId, substrate_fixed::types::I96F32>,
    /// Root dividends credited to `RootClaimable` and not claimed yet: outstanding alpha owed
    /// to root stakers.
    pub alpha_root_owed: Alpha,
    /// `ChildKeys[parent][netuid]`: (proportion u64 / u64::MAX, child), storage order.
    pub children: BTreeMap<HotkeyId, Vec<(u64, HotkeyId)>>,
    /// `ParentKeys[child][netuid]`: (proportion, parent), storage order.
    pub parents: BTreeMap<HotkeyId, Vec<(u64, HotkeyId)>>,
    /// `ChildkeyTake[child][netuid]` (u16 / 65535), default 0.
    pub childkey_take: BTreeMap<HotkeyId, u16>,
}

impl Subnet {
    /// A subnet with the chain's defaults for everything but its pool.
    pub fn new(netuid: NetUid, pool: Pool, tempo: u16, registered_at: BlockNumber) -> Self {
        let root = netuid.0 == 0;
        Self {
            netuid,
            name: String::new(),
            mechanism: if root {
                Mechanism::Stable
            } else {
                Mechanism::Dynamic
            },
            pool,
            alpha_out: Alpha::ZERO,
            protocol_alpha: Alpha::ZERO,
            alpha_staked: Alpha::ZERO,
            alpha_dust: Alpha::ZERO,
            account_surplus: Tao::ZERO,
            moving_price: I96F32::from_num(0),
            ema_price_halving_blocks: DEFAULT_EMA_PRICE_HALVING_BLOCKS,
            miner_burned: U96F32::from_num(0),
            registered_at,
            first_emission_block: None,
            subtoken_enabled: true,
            registration_allowed: true,
            pow_registration_allowed: false,
            emission_enabled: !root,
            owner_cut_enabled: true,
            locked: Tao::ZERO,
            pending: Pending::default(),
            pending_root_tao: Tao::ZERO,
            pending_alpha_swapped: Alpha::ZERO,
            clock: EpochClock::new_subnet(netuid, tempo, registered_at),
            flow: SubnetFlow::default(),
            last_emission: BlockEmission::default(),
            owner: None,
            recycle_or_burn: RecycleOrBurn::default(),
            neurons: Neurons::default(),
            hyper: YumaHyper::default(),
            pools: BTreeMap::new(),
            root_claimable: BTreeMap::new(),
            alpha_root_owed: Alpha::ZERO,
            children: BTreeMap::new(),
            parents: BTreeMap::new(),
            childkey_take: BTreeMap::new(),
        }
    }

    pub fn is_root(&self) -> bool {
        self.netuid.0 == 0
    }

    /// Alpha issuance (`get_alpha_issuance`): In + Out; the subnet's alpha halvings follow it.
    pub fn alpha_issuance(&self) -> u64 {
        self.pool.alpha_reserve.0.saturating_add(self.alpha_out.0)
    }

    /// TAO the subnet holds: pool reserve, lock, account surplus and the launch era's root
    /// dividends waiting for the epoch.
    pub fn tao_held(&self) -> u64 {
        self.pool
            .tao_reserve
            .0
            .saturating_add(self.locked.0)
            .saturating_add(self.account_surplus.0)
            .saturating_add(self.pending_root_tao.0)
    }

    /// Whether any hotkey delegates stake to a child on this subnet (else every inherited stake
    /// is the hotkey's own).
    pub fn has_childkeys(&self) -> bool {
        !self.children.is_empty() || !self.parents.is_empty()
    }

    /// Sets `parent`'s stake delegation to `child` on this subnet (`do_set_children`, applied at
    /// once: the pending cooldown is not modelled).
    pub fn set_child(&mut self, parent: HotkeyId, child: HotkeyId, proportion: u64) {
        let kids = self.children.entry(parent).or_default();
        kids.retain(|(_, c)| *c != child);
        kids.push((proportion, child));
        let ps = self.parents.entry(child).or_default();
        ps.retain(|(_, p)| *p != parent);
        ps.push((proportion, parent));
    }

    /// Alpha staked on modelled hotkeys (Σ `TotalHotkeyAlpha`).
    pub fn pool_stake(&self) -> u64 {
        self.pools
            .values()
            .fold(0u64, |acc, p| acc.saturating_add(p.value()))
    }

    /// Alpha in the pending buckets.
    pub fn pending_alpha(&self) -> u64 {
        let p = &self.pending;
        [p.server, p.validator, p.root, p.owner_cut, p.emission]
            .iter()
            .fold(0u64, |acc, a| acc.saturating_add(a.0))
    }

    /// Alpha accounting (house rule 11): everything outstanding is held by stakers (modelled
    /// or not), owed to root stakers, waits in a pending bucket, is protocol alpha, or is the
    /// tracked dust. `None` when it holds, else the
    /// outstanding alpha and the sum of the parts.
    ///
    /// The root subnet holds TAO, 1:1: there the modelled root stakes must fit in `SubnetTAO`.
    pub fn alpha_accounting_gap(&self) -> Option<(u64, u64)> {
        if self.is_root() {
            let staked = self.pool_stake();
            return (staked > self.pool.tao_reserve.0).then_some((self.pool.tao_reserve.0, staked));
        }
        let parts = self
            .alpha_staked
            .0
            .saturating_add(self.pool_stake())
            .saturating_add(self.alpha_root_owed.0)
            .saturating_add(self.pending_alpha())
            .saturating_add(self.protocol_alpha.0)
            .saturating_add(self.alpha_dust.0);
        (parts != self.alpha_out.0).then_some((self.alpha_out.0, parts))
    }

    /// Spot price for display (TAO per alpha; 1 on the root subnet).
    pub fn spot_price_f64(&self) -> f64 {
        match self.mechanism {
            Mechanism::Stable => 1.0,
            Mechanism::Dynamic => self.pool.current_price().to_num::<f64>(),
        }
    }

    pub fn moving_price_f64(&self) -> f64 {
        self.moving_price.to_num::<f64>()
    }
}
