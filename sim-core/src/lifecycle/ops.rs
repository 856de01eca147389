//! Neuron registration, subnet registration, start call and subnet dissolution as operations on
//! the engine's [`Network`] (spec 4, 5, 1.3).
//!
//! The pure mechanics live in [`crate::registration`] (prices, counters, lock cost, pruning
//! choices, the new pool) and [`super::dissolve`] (the dissolution payouts); this module composes
//! them on the engine state and keeps the books exact:
//!
//! * TAO: every rao that leaves a coldkey lands in a pool, a subnet account
//!   ([`Subnet::account_surplus`], [`Subnet::locked`]) or is recycled with its reason, so
//!   `total_issuance == free + unmodelled + Σ tao_held` holds after every operation.
//! * Alpha: a registration burn buys alpha out of the pool and recycles it at once, so
//!   `alpha_out` does not move while the pool's alpha reserve (and so alpha issuance) falls; the
//!   alpha accounting identity of [`Subnet::alpha_accounting_gap`] is untouched.
//! * Every operation checks everything that can fail before it changes anything: a rejection
//!   returns the reason and leaves `Network` and [`RegistrationState`] as they were.
//!
//! State the engine did not have is in [`RegistrationState`]: each subnet's registration price
//! and counters with its UID limits ([`SubnetRegistration`]), the global subnet lock
//! ([`NetworkLock`]) and the chain-wide storage values the operations read. The engine holds one
//! and calls [`RegistrationState::on_block`] at the start of every block, before the coinbase
//! (`on_initialize` decays the burn and resets the per-block counters there).
//!
//! Operations happen at `net.block` (the block being processed: extrinsics run after
//! `on_initialize`).
//!
//! Modelling choices (each noted where it applies):
//! * A registration burn whose swap the pool refuses is rejected (the current chain fails the
//!   extrinsic; the launch-era chain took the TAO and bought nothing).
//! * The swap fee of a registration burn stays in the subnet account (`account_surplus`), as the
//!   current chain's `swap_tao_for_alpha` path leaves it; in the Uniswap-v3 era before fees went
//!   to block authors it is compounded into the pool (decision 0004).
//! * A subnet lock clamped by the existential deposit (`actual < min_lock`, at most 500 rao) gives
//!   the pool only the TAO that moved; the chain writes `SubnetTAO = min_lock` unbacked.
//! * The 500-rao existential deposit the chain leaves in a dissolved subnet's account goes to the
//!   unmodelled rest of the network (the account outlives the subnet).

use super::dissolve::{destroy_alpha_in_out_stakes, DissolveInput, DissolvePayout, Holder};
use crate::amm::{Pool, QuoteWeight, Side, SwapError, MAX_PRICE_LIMIT};
use crate::coinbase::{current_alpha_price, moving_alpha_price};
use crate::ledger::{Holder as LedgerHolder, RecycleReason};
use crate::network::Network;
use crate::neurons::{Hotkey, HotkeyId, Neurons, DEFAULT_DELEGATE_TAKE};
use crate::params::Params;
use crate::registration::prune::{DEFAULT_IMMUNE_OWNER_UIDS_LIMIT, DEFAULT_MIN_NON_IMMUNE_UIDS};
use crate::registration::{
    check_subnet_limit, immune_owner_uids, lock_reduction_interval_at_issuance,
    median_subnet_alpha_price, network_to_prune, neuron_to_prune, register_network_pool,
    NetworkLock, NeuronPruneView, NeuronRegistration, NeuronRegistrationConfig,
    RegisterNetworkError, RegistrationError, RegistrationKind, SubnetPruneView,
};
use crate::rules::{Amm, Era, FeeDestination, LockHandling, NeuronBurn, Rules};
use crate::stake::SharePool;
use crate::subnet::{Mechanism, Subnet};
use crate::units::{Alpha, BlockNumber, ColdkeyId, NetUid, Tao, Uid};
use std::collections::BTreeMap;
use substrate_fixed::types::U64F64;
use thiserror::Error;

/// `MaxAllowedUids` that `init_new_network` writes: 256.
pub const DEFAULT_MAX_ALLOWED_UIDS: u16 = 256;
/// `ImmunityPeriod` that `init_new_network` writes: 5,000 blocks.
pub const NEW_SUBNET_IMMUNITY_PERIOD: u16 = 5_000;
/// `NetworkImmunityPeriod` on chain (`migrate_network_immunity_period`): 864,000 blocks.
pub const DEFAULT_NETWORK_IMMUNITY_PERIOD: u64 = 864_000;
/// `DefaultTempo`: 360 blocks.
pub const DEFAULT_TEMPO: u16 = 360;
/// `DurationOfStartCall` (runtime constant, 2025-03-28 to 2026-01-21): 50,400 blocks.
pub const LEGACY_START_CALL_DELAY: u64 = 50_400;

/// One subnet's registration state and UID limits: `Burn` and the counters
/// ([`NeuronRegistration`]), its rule parameters, `MaxAllowedUids`, `ImmunityPeriod`,
/// `MinNonImmuneUids`, `ImmuneOwnerUidsLimit`, and the `SubnetLocked` record.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SubnetRegistration {
    pub neuron: NeuronRegistration,
    pub config: NeuronRegistrationConfig,
    pub max_allowed_uids: u16,
    pub immunity_period: u16,
    pub min_non_immune_uids: u16,
    pub immune_owner_uids_limit: u16,
    /// `SubnetLocked` as the chain records it (the lock transferred), read by the legacy refund
    /// on dissolution. Where the lock's TAO physically is (pool, recycled, or held as
    /// [`Subnet::locked`] before dTAO) depends on the era.
    pub subnet_locked: Tao,
}

impl SubnetRegistration {
    /// What `init_new_network` gives a subnet registered under `rules`: the era's starting burn,
    /// 256 UIDs, immunity 5,000 blocks, the pruning defaults, no lock recorded. Subnets a
    /// scenario builds directly get the same when first seen.
    pub fn new_subnet(rules: &Rules) -> Self {
        Self {
            neuron: NeuronRegistration::new_subnet(rules),
            config: NeuronRegistrationConfig::new_subnet(),
            max_allowed_uids: DEFAULT_MAX_ALLOWED_UIDS,
            immunity_period: NEW_SUBNET_IMMUNITY_PERIOD,
            min_non_immune_uids: DEFAULT_MIN_NON_IMMUNE_UIDS,
            immune_owner_uids_limit: DEFAULT_IMMUNE_OWNER_UIDS_LIMIT,
            subnet_locked: Tao::ZERO,
        }
    }
}

/// Registration state the engine holds next to the [`Network`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegistrationState {
    /// Per non-root subnet. Missing entries are created by [`Self::on_block`] (or, for one
    /// registration, taken as [`SubnetRegistration::new_subnet`]).
    pub per_subnet: BTreeMap<NetUid, SubnetRegistration>,
    /// `NetworkLastLockCost` and `NetworkLastLockBlock`.
    pub network_lock: NetworkLock,
    /// `NetworkImmunityPeriod`: a subnet younger than this is never pruned.
    pub network_immunity_period: u64,
    /// `StartCallDelay`; `None` takes the era's value ([`start_call_delay_for_era`]).
    pub start_call_delay: Option<u64>,
    /// `NetworkRegistrationStartBlock`: subnets registered before it get the legacy lock refund
    /// on dissolution (storage default 0: none do).
    pub network_registration_start_block: BlockNumber,
    /// `TaoInRefundDeploymentBlock`: subnets registered after it count their pool's alpha as
    /// protocol alpha on dissolution (storage default 0).
    pub tao_in_refund_deployment_block: BlockNumber,
}

impl Default for RegistrationState {
    fn default() -> Self {
        Self {
            per_subnet: BTreeMap::new(),
            network_lock: NetworkLock::default(),
            network_immunity_period: DEFAULT_NETWORK_IMMUNITY_PERIOD,
            start_call_delay: None,
            network_registration_start_block: 0,
            tao_in_refund_deployment_block: 0,
        }
    }
}

/// The start-call delay of an era: no start call before 2025-03-28 (subnets emit from the block
/// after registration), the 7-day `DurationOfStartCall` until 2026-01-21, then `StartCallDelay`
/// with its storage default 0.
pub fn start_call_delay_for_era(era: Era) -> Option<u64> {
    match era {
        Era::PreDtao | Era::DtaoLaunch => None,
        Era::EmaRamp | Era::SwapV3 | Era::Subsidy | Era::TaoFlow | Era::BlockEmissionCap => {
            Some(LEGACY_START_CALL_DELAY)
        }
        Era::FeesToAuthor | Era::DecayBurn | Era::NetTaoFlow | Era::Current => Some(0),
    }
}

impl RegistrationState {
    pub fn new() -> Self {
        Self::default()
    }

    /// The subnet's state, or what a new subnet gets under `rules` when none is stored.
    pub fn subnet_or_new(&self, netuid: NetUid, rules: &Rules) -> SubnetRegistration {
        self.per_subnet
            .get(&netuid)
            .cloned()
            .unwrap_or_else(|| SubnetRegistration::new_subnet(rules))
    }

    /// The price a neuron registration on `netuid` pays now.
    pub fn neuron_price(&self, netuid: NetUid, rules: &Rules) -> Tao {
        match self.per_subnet.get(&netuid) {
            Some(r) => r.neuron.price(),
            None => SubnetRegistration::new_subnet(rules).neuron.price(),
        }
    }

    /// The start of block `net.block` for every non-root subnet (before the coinbase): the
    /// current rule decays the burn, the interval rules adjust it when the interval ends; both
    /// reset the per-block counter. Entries are created for subnets seen for the first time and
    /// dropped for subnets that no longer exist.
    pub fn on_block(&mut self, net: &Network, rules: &Rules) {
        self.per_subnet
            .retain(|netuid, _| crate::view::subnet_index(&net.subnets, *netuid).is_some());
        for s in net.subnets.iter().filter(|s| !s.is_root()) {
            let entry = self
                .per_subnet
                .entry(s.netuid)
                .or_insert_with(|| SubnetRegistration::new_subnet(rules));
            entry
                .neuron
                .on_block(rules.neuron_burn, &entry.config, net.block);
        }
    }

    /// The start-call delay in force: the override, else the era's.
    pub fn start_call_delay(&self, rules: &Rules) -> Option<u64> {
        match self.start_call_delay {
            Some(delay) => Some(delay),
            None => start_call_delay_for_era(rules.era),
        }
    }

    /// The lock a subnet registration at `net.block` costs (`get_network_lock_cost`), with the
    /// reduction interval scaled by the block emission at the current issuance.
    pub fn lock_cost(&self, net: &Network, params: &Params) -> Tao {
        let interval = lock_reduction_interval_at_issuance(
            params.network_lock_reduction_interval,
            net.ledger.total_issuance(),
        );
        self.network_lock
            .cost(Tao(params.network_min_lock), interval, net.block)
    }
}

/// Why a registration, start call or dissolution was refused. Nothing changed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RegistrationRejected {
    #[error("subnet {0} does not exist")]
    SubnetNotFound(NetUid),
    #[error("not permitted on the root subnet")]
    RootSubnet,
    #[error("registration is disabled on subnet {0}")]
    RegistrationDisabled(NetUid),
    #[error("unknown coldkey `{0}`")]
    UnknownColdkey(String),
    #[error("hotkey `{hotkey}` belongs to another coldkey")]
    HotkeyOwnedByOtherColdkey { hotkey: String },
    #[error("hotkey `{hotkey}` is already registered on subnet {netuid}")]
    HotkeyAlreadyRegistered { netuid: NetUid, hotkey: String },
    #[error("too many hotkeys")]
    TooManyHotkeys,
    /// The price, balance or per-block/per-interval rate limit check.
    #[error(transparent)]
    Price(#[from] RegistrationError),
    /// `NoNeuronIdAvailable`: no UID slots, or the subnet is full and nothing may be pruned.
    #[error("no UID available on subnet {0}: full and nothing may be pruned")]
    NoUidAvailable(NetUid),
    /// The pool refused the burn's swap.
    #[error("the pool refused the registration burn's swap: {0}")]
    SwapRefused(SwapError),
    /// The lock, rate limit or subnet limit check of a subnet registration.
    #[error(transparent)]
    Network(#[from] RegisterNetworkError),
    #[error("no free netuid")]
    NoFreeNetuid,
    #[error("coldkey `{coldkey}` does not own subnet {netuid}")]
    NotSubnetOwner { netuid: NetUid, coldkey: String },
    /// `FirstEmissionBlockNumberAlreadySet`.
    #[error("subnet {0} has already started")]
    AlreadyStarted(NetUid),
    /// `NeedWaitingMoreBlocksToStarCall`.
    #[error("start call on subnet {netuid} allowed from block {allowed_at}")]
    StartCallTooEarly {
        netuid: NetUid,
        allowed_at: BlockNumber,
    },
}

/// A neuron registration request (`burned_register`, `register`, `register_limit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeuronRequest<'a> {
    pub netuid: NetUid,
    /// The paying coldkey, by name in the ledger.
    pub coldkey: &'a str,
    /// The hotkey, by name: an existing hotkey of this coldkey, or a new one.
    pub hotkey: &'a str,
    /// Burned, or PoW (free under the interval rules; pays the burn under the current rule).
    pub kind: RegistrationKind,
    /// `register_limit`'s price limit (current rule only).
    pub limit: Option<Tao>,
    /// The hotkey's id when the caller knows it (skips the lookup by name).
    pub hotkey_id: Option<HotkeyId>,
}

impl<'a> NeuronRequest<'a> {
    /// A burned registration without a price limit.
    pub fn burned(netuid: NetUid, coldkey: &'a str, hotkey: &'a str) -> Self {
        Self {
            netuid,
            coldkey,
            hotkey,
            kind: RegistrationKind::Burned,
            limit: None,
            hotkey_id: None,
        }
    }
}

/// How a registration burn was paid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BurnPayment {
    /// TAO recycled out of issuance (pre-dTAO rule).
    pub tao_recycled: Tao,
    /// TAO that entered the pool's reserve (net of the fee).
    pub tao_to_pool: Tao,
    /// The swap fee (in the subnet account, or compounded into the pool in the v3 era).
    pub fee: Tao,
    /// TAO left in the subnet account (the fee, unless compounded).
    pub tao_to_subnet_account: Tao,
    /// Alpha bought and recycled: alpha issuance fell by this much.
    pub alpha_recycled: Alpha,
}

/// A neuron registration that went through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeuronRegistered {
    pub block: BlockNumber,
    pub netuid: NetUid,
    pub uid: Uid,
    pub hotkey: HotkeyId,
    pub coldkey: ColdkeyId,
    /// The hotkey was created by this registration.
    pub new_hotkey: bool,
    /// The hotkey whose UID was taken over (`None` when the UID was appended).
    pub replaced: Option<HotkeyId>,
    /// `Burn` at the registration (0 for a free PoW registration under the interval rules).
    pub price: Tao,
    /// What left the coldkey (the price, less what would reap the account).
    pub paid: Tao,
    pub payment: BurnPayment,
    /// `Burn` after the registration (bumped under the current rule).
    pub burn_after: Tao,
}

/// Registers a neuron on a subnet (`do_register` / `do_burned_registration`, spec 4).
///
/// Checks, in order: the subnet exists, is not root and allows registration; the coldkey exists;
/// the hotkey is new or owned by the coldkey and not yet on the subnet; the price, rate limits
/// and balance ([`NeuronRegistration::admit`]); a UID slot (append below `MaxAllowedUids`, else
/// [`neuron_to_prune`]); the swap. Then the payment:
/// * [`NeuronBurn::IntervalRecycled`] (pre-dTAO): the burn is recycled out of issuance
///   ([`RecycleReason::RegistrationBurn`]);
/// * the dTAO rules: the burn buys alpha in the pool with the swap fee (`drop_fees = false`) and
///   the alpha is recycled; the current rule also counts the burn as user TAO inflow.
///
/// A replaced UID keeps its place: its columns are reset, weights set on it by others are
/// zeroed (`clear_neuron`), and the old hotkey keeps its stake.
pub fn register_neuron(
    net: &mut Network,
    reg: &mut RegistrationState,
    rules: &Rules,
    request: &NeuronRequest<'_>,
) -> Result<NeuronRegistered, RegistrationRejected> {
    let block = net.block;
    let netuid = request.netuid;
    if netuid.is_root() {
        return Err(RegistrationRejected::RootSubnet);
    }
    let index = subnet_index(net, netuid)?;
    let subnet = &net.subnets[index];
    if !subnet.registration_allowed {
        return Err(RegistrationRejected::RegistrationDisabled(netuid));
    }
    let coldkey = coldkey_id(net, request.coldkey)?;
    let known = request.hotkey_id.filter(|id| {
        net.hotkeys
            .get(id.0 as usize)
            .is_some_and(|h| h.name == request.hotkey)
    });
    let (hotkey, new_hotkey) = match known {
        Some(id) if net.hotkeys[id.0 as usize].owner == coldkey => (id, false),
        _ => resolve_hotkey(net, request.hotkey, coldkey)?,
    };
    if subnet.neurons.uid_of(hotkey).is_some() {
        return Err(RegistrationRejected::HotkeyAlreadyRegistered {
            netuid,
            hotkey: request.hotkey.to_string(),
        });
    }

    let mut state = reg.subnet_or_new(netuid, rules);
    let free = net.ledger.free_balance(coldkey);
    let admission = state.neuron.admit(
        rules.neuron_burn,
        &state.config,
        request.kind,
        free,
        request.limit,
    )?;

    let slot = uid_slot(net, subnet, &state, block)?;

    // The payment, worked out on a copy of the pool.
    let mut pool = subnet.pool;
    let mut payment = BurnPayment::default();
    if !admission.paid.is_zero() {
        if rules.neuron_burn == NeuronBurn::IntervalRecycled {
            payment.tao_recycled = admission.paid;
        } else {
            payment = buy_burn(&mut pool, subnet.mechanism, rules, admission.paid)
                .map_err(RegistrationRejected::SwapRefused)?;
        }
    }

    // Commit. The ledger step comes first and cannot refuse (admit() checked the balance);
    // were it to, nothing has changed yet. Nothing after it can fail.
    let from = LedgerHolder::Account(coldkey);
    let refused = RegistrationError::NotEnoughBalance {
        price: admission.price,
        balance: free,
    };
    if !payment.tao_recycled.is_zero() {
        net.ledger
            .recycle(from, payment.tao_recycled, RecycleReason::RegistrationBurn)
            .map_err(|_| refused)?;
    } else if !admission.paid.is_zero() {
        net.ledger
            .debit(from, admission.paid)
            .map_err(|_| refused)?;
    }
    if new_hotkey {
        net.hotkeys.push(Hotkey {
            name: request.hotkey.to_string(),
            owner: coldkey,
            delegate_take: DEFAULT_DELEGATE_TAKE,
        });
    }
    let subnet = &mut net.subnets[index];
    subnet.pool = pool;
    subnet.account_surplus = subnet
        .account_surplus
        .saturating_add(payment.tao_to_subnet_account);
    if rules.neuron_burn == NeuronBurn::DecayAndBump && !admission.paid.is_zero() {
        subnet.flow.record_user_inflow(admission.paid.rao());
    }
    let (uid, replaced) = match slot {
        UidSlot::Append => (subnet.neurons.push(hotkey, block), None),
        UidSlot::Replace(uid) => {
            let old = subnet.neurons.hotkeys().get(usize::from(uid)).copied();
            replace_neuron(&mut subnet.neurons, uid, hotkey, block);
            (uid, old)
        }
    };
    state
        .neuron
        .record(rules.neuron_burn, &state.config, request.kind);
    let burn_after = state.neuron.price();
    reg.per_subnet.insert(netuid, state);

    Ok(NeuronRegistered {
        block,
        netuid,
        uid: Uid(uid),
        hotkey,
        coldkey,
        new_hotkey,
        replaced,
        price: admission.price,
        paid: admission.paid,
        payment,
        burn_after,
    })
}

/// A subnet registration that went through.
#[derive(Clone, Debug, PartialEq)]
pub struct SubnetRegistered {
    pub block: BlockNumber,
    pub netuid: NetUid,
    pub owner_coldkey: ColdkeyId,
    pub owner_hotkey: HotkeyId,
    pub new_hotkey: bool,
    /// The lock cost (`get_network_lock_cost`).
    pub lock_cost: Tao,
    /// What left the owner's coldkey (the cost, less what would reap the account).
    pub actual_lock: Tao,
    /// The median spot price the pool was sized at (current rule; 1 when none counted).
    pub median_price: U64F64,
    pub pool_tao: Tao,
    pub pool_alpha: Alpha,
    /// Lock TAO recycled out of issuance ([`RecycleReason::SubnetLock`]).
    pub recycled: Tao,
    /// Lock TAO held by the subnet as a refundable lock (pre-dTAO).
    pub held_as_lock: Tao,
    /// The subnet dissolved to make room (its netuid is reused).
    pub dissolved: Option<DissolveOutcome>,
}

/// Registers a subnet (`do_register_network`, spec 5.1, 5.2).
///
/// Checks the coldkey and hotkey, the `RegisterNetwork` rate limit, the subnet limit (at the
/// limit the lowest moving-price non-immune subnet, [`network_to_prune`], is dissolved first and
/// its netuid reused; with none prunable the registration fails) and the lock against the free
/// balance. Then: the lock leaves the coldkey and goes where the era puts it
/// ([`LockHandling`]: held as [`Subnet::locked`]; `min_lock` seeding a 1:1 pool with the rest
/// recycled; or all of it in a pool at the median spot price of the other subnets), the owner
/// hotkey gets UID 0, and the new subnet is inserted in netuid order at the lowest free netuid.
/// It has no emission until the owner's [`start_call`] (before 2025-03-28: from the next block),
/// and since 2026-06 its TAO emission starts disabled.
///
/// Not modelled: scheduling root validators as parents of the owner hotkey, identities, symbols.
pub fn register_subnet(
    net: &mut Network,
    reg: &mut RegistrationState,
    rules: &Rules,
    params: &Params,
    coldkey: &str,
    owner_hotkey: &str,
    tempo: u16,
) -> Result<SubnetRegistered, RegistrationRejected> {
    register_subnet_at_lock(net, reg, rules, params, coldkey, owner_hotkey, tempo, None)
}

/// [`register_subnet`] paying `lock` instead of the lock cost rule's price when given (a
/// scenario that knows the lock a subnet actually paid, e.g. from the chain's `SubnetLocked`
/// records). Everything else, the lock's handling included, is the same.
#[allow(clippy::too_many_arguments)]
pub fn register_subnet_at_lock(
    net: &mut Network,
    reg: &mut RegistrationState,
    rules: &Rules,
    params: &Params,
    coldkey: &str,
    owner_hotkey: &str,
    tempo: u16,
    lock: Option<Tao>,
) -> Result<SubnetRegistered, RegistrationRejected> {
    let block = net.block;
    let coldkey_name = coldkey;
    let coldkey = coldkey_id(net, coldkey_name)?;
    let (hotkey, new_hotkey) = resolve_hotkey(net, owner_hotkey, coldkey)?;
    reg.network_lock
        .check_rate_limit(params.network_rate_limit, block)?;

    let count = net.subnets.iter().filter(|s| !s.is_root()).count();
    let count = u16::try_from(count).unwrap_or(u16::MAX);
    let prunable = network_to_prune(
        net.subnets.iter().map(|s| SubnetPruneView {
            netuid: s.netuid,
            registered_at: s.registered_at,
            moving_price: moving_alpha_price(s),
        }),
        block,
        reg.network_immunity_period,
    );
    let pruned = check_subnet_limit(count, params.subnet_limit, prunable)?;

    let lock_cost = lock.unwrap_or_else(|| reg.lock_cost(net, params));
    let min_lock = Tao(params.network_min_lock);
    // The median of the subnets that remain, before the new one exists.
    let median = median_subnet_alpha_price(
        net.subnets
            .iter()
            .filter(|s| !s.is_root() && Some(s.netuid) != pruned)
            .map(|s| current_alpha_price(rules.amm, s)),
    );
    let free = net.ledger.free_balance(coldkey);
    let checked =
        register_network_pool(rules.lock_handling, lock_cost, free, min_lock, median.price)?;

    let netuid = match pruned {
        Some(netuid) => netuid,
        None => next_free_netuid(net).ok_or(RegistrationRejected::NoFreeNetuid)?,
    };
    if new_hotkey && u32::try_from(net.hotkeys.len()).is_err() {
        return Err(RegistrationRejected::TooManyHotkeys);
    }

    // Commit. The dissolution can only credit the coldkey, so the lock still goes through.
    let dissolved = match pruned {
        Some(netuid) => Some(dissolve_checked(net, reg, rules, params, netuid)?),
        None => None,
    };
    let free = net.ledger.free_balance(coldkey);
    let plan = register_network_pool(rules.lock_handling, lock_cost, free, min_lock, median.price)
        .unwrap_or(checked);
    // Cannot fail: the balance was checked and a dissolution only adds to it.
    net.ledger
        .debit(LedgerHolder::Account(coldkey), plan.actual_lock)
        .map_err(|_| RegisterNetworkError::CannotAffordLockCost {
            lock: lock_cost,
            balance: free,
        })?;
    let recycled = plan.recycled.min(plan.actual_lock);
    let backed = plan.actual_lock.saturating_sub(recycled);
    let pool_tao = plan.subnet_tao.min(backed);
    let held = backed.saturating_sub(pool_tao);
    if !recycled.is_zero() {
        net.ledger
            .recycle_credit(recycled, RecycleReason::SubnetLock);
    }

    let pool = Pool::new(pool_tao, plan.alpha_in, QuoteWeight::HALF);
    let mut subnet = Subnet::new(netuid, pool, tempo, block);
    match rules.lock_handling {
        LockHandling::Locked => {
            subnet.mechanism = Mechanism::Stable;
            subnet.locked = held;
        }
        _ => subnet.account_surplus = held,
    }
    subnet.owner = Some((coldkey, hotkey));
    subnet.neurons.push(hotkey, block);
    subnet.emission_enabled = rules.era < Era::Current;
    match reg.start_call_delay(rules) {
        Some(_) => {
            subnet.first_emission_block = None;
            subnet.subtoken_enabled = false;
        }
        None => {
            subnet.first_emission_block = Some(block.saturating_add(1));
            subnet.subtoken_enabled = true;
        }
    }
    let at = net
        .subnets
        .iter()
        .position(|s| s.netuid > netuid)
        .unwrap_or(net.subnets.len());
    net.subnets.insert(at, subnet);
    if new_hotkey {
        net.hotkeys.push(Hotkey {
            name: owner_hotkey.to_string(),
            owner: coldkey,
            delegate_take: DEFAULT_DELEGATE_TAKE,
        });
    }

    reg.network_lock.record(plan.actual_lock, block);
    let mut state = SubnetRegistration::new_subnet(rules);
    state.subnet_locked = plan.subnet_locked;
    reg.per_subnet.insert(netuid, state);

    Ok(SubnetRegistered {
        block,
        netuid,
        owner_coldkey: coldkey,
        owner_hotkey: hotkey,
        new_hotkey,
        lock_cost,
        actual_lock: plan.actual_lock,
        median_price: median.price,
        pool_tao,
        pool_alpha: plan.alpha_in,
        recycled,
        held_as_lock: if rules.lock_handling == LockHandling::Locked {
            held
        } else {
            Tao::ZERO
        },
        dissolved,
    })
}

/// The owner's start call (`do_start_call`, spec 5.3): allowed once, from
/// `registered_at + StartCallDelay`; the subnet emits from the next block
/// (`FirstEmissionBlockNumber = block + 1`) and staking opens (`SubtokenEnabled`). Returns the
/// first emission block. Before 2025-03-28 there was no start call: a subnet registered then
/// already has its first emission block and the call is refused as [`AlreadyStarted`].
///
/// [`AlreadyStarted`]: RegistrationRejected::AlreadyStarted
pub fn start_call(
    net: &mut Network,
    reg: &RegistrationState,
    rules: &Rules,
    netuid: NetUid,
    coldkey: &str,
) -> Result<BlockNumber, RegistrationRejected> {
    let block = net.block;
    if netuid.is_root() {
        return Err(RegistrationRejected::RootSubnet);
    }
    let index = subnet_index(net, netuid)?;
    let caller = coldkey_id(net, coldkey)?;
    let subnet = &net.subnets[index];
    if subnet.owner.map(|(owner, _)| owner) != Some(caller) {
        return Err(RegistrationRejected::NotSubnetOwner {
            netuid,
            coldkey: coldkey.to_string(),
        });
    }
    if subnet.first_emission_block.is_some() {
        return Err(RegistrationRejected::AlreadyStarted(netuid));
    }
    let delay = reg.start_call_delay(rules).unwrap_or(0);
    let allowed_at = subnet.registered_at.saturating_add(delay);
    if block < allowed_at {
        return Err(RegistrationRejected::StartCallTooEarly { netuid, allowed_at });
    }
    let first = block.saturating_add(1);
    let subnet = &mut net.subnets[index];
    subnet.first_emission_block = Some(first);
    subnet.subtoken_enabled = true;
    Ok(first)
}

/// Who a dissolution pays: a modelled coldkey, or the stakers the run does not model one by one
/// (the subnet's `alpha_staked`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StakeHolder {
    Coldkey(ColdkeyId),
    Unmodelled,
}

/// A subnet dissolution and where its TAO went. `tao_held` = `paid_to_modelled` +
/// `paid_to_unmodelled` + `owner_refund` + `recycled` + `left_in_subnet_account`.
#[derive(Clone, Debug, PartialEq)]
pub struct DissolveOutcome {
    pub block: BlockNumber,
    pub netuid: NetUid,
    pub registered_at: BlockNumber,
    pub moving_price: U64F64,
    /// Everything the subnet held: pool TAO, lock, account surplus, pending root TAO.
    pub tao_held: Tao,
    /// `SubnetTAO`, the pot paid pro rata to alpha value.
    pub pot: Tao,
    /// Paid to modelled coldkeys' free balances, per coldkey in payout order.
    pub paid: Vec<(ColdkeyId, Tao)>,
    pub paid_to_modelled: Tao,
    /// The unmodelled stakers' (`alpha_staked`) part of the pot.
    pub paid_to_unmodelled: Tao,
    /// The protocol's part of the pot (stays in the subnet account, then recycled).
    pub protocol_share: Tao,
    /// Lock refund paid to the owner coldkey (pre-dTAO: the whole lock; legacy subnets:
    /// lock − owner emission).
    pub owner_refund: Tao,
    /// Recycled out of issuance ([`RecycleReason::Dissolution`]).
    pub recycled: Tao,
    /// The existential deposit left in the subnet account (to the unmodelled rest).
    pub left_in_subnet_account: Tao,
    /// `SubnetAlphaIn + SubnetAlphaOut`, destroyed.
    pub alpha_destroyed: Alpha,
    /// UIDs removed with the subnet.
    pub neurons_removed: usize,
    /// The payout computation in full (hotkey `None` = the unmodelled stakers).
    pub payout: DissolvePayout<Option<HotkeyId>, StakeHolder>,
}

/// Dissolves a subnet (`do_dissolve_network`, spec 5.5): the pot (`SubnetTAO`) is paid pro rata
/// to alpha value ([`destroy_alpha_in_out_stakes`]) as free TAO to every staker's coldkey, the
/// unmodelled `alpha_staked` counting as one more holder paid to the unmodelled rest; the
/// protocol's share (protocol alpha, plus the pool's alpha for subnets registered after
/// `TaoInRefundDeploymentBlock`) stays in the subnet account; legacy subnets refund the owner;
/// what the account holds above the existential deposit is recycled
/// ([`RecycleReason::Dissolution`]). Pending emission, root-claimable alpha and dust are lost.
/// Under [`LockHandling::Locked`] (pre-dTAO) the held lock is refunded to the owner in full
/// first (`remove_network` then). The subnet and its registration state are removed; hotkeys
/// stay.
pub fn dissolve_subnet(
    net: &mut Network,
    reg: &mut RegistrationState,
    rules: &Rules,
    params: &Params,
    netuid: NetUid,
) -> Result<DissolveOutcome, RegistrationRejected> {
    if netuid.is_root() {
        return Err(RegistrationRejected::RootSubnet);
    }
    subnet_index(net, netuid)?;
    dissolve_checked(net, reg, rules, params, netuid)
}

/// [`dissolve_subnet`] for a netuid known to exist and not be root.
fn dissolve_checked(
    net: &mut Network,
    reg: &mut RegistrationState,
    rules: &Rules,
    params: &Params,
    netuid: NetUid,
) -> Result<DissolveOutcome, RegistrationRejected> {
    let index = subnet_index(net, netuid)?;
    let s = &net.subnets[index];
    let owner = s.owner.map(|(coldkey, _)| coldkey);
    let tao_held = Tao(s.tao_held());
    let pre_refund = if rules.lock_handling == LockHandling::Locked {
        s.locked
    } else {
        Tao::ZERO
    };
    let subnet_locked = match reg.per_subnet.get(&netuid) {
        Some(state) => state.subnet_locked,
        None => s.locked,
    };
    let mut pools: Vec<(Option<HotkeyId>, SharePool<StakeHolder>)> = s
        .pools
        .iter()
        .map(|(hotkey, pool)| {
            let shares = pool
                .shares()
                .map(|(coldkey, share)| (StakeHolder::Coldkey(*coldkey), *share));
            (
                Some(*hotkey),
                SharePool::from_parts(pool.value(), pool.denominator(), shares),
            )
        })
        .collect();
    if !s.alpha_staked.is_zero() {
        let mut unmodelled = SharePool::new();
        unmodelled.stake(&StakeHolder::Unmodelled, s.alpha_staked.0);
        pools.push((None, unmodelled));
    }
    let input = DissolveInput {
        subnet_tao: s.pool.tao_reserve,
        subnet_alpha_in: s.pool.alpha_reserve,
        subnet_alpha_out: s.alpha_out,
        subnet_protocol_alpha: s.protocol_alpha,
        registered_at: s.registered_at,
        tao_in_refund_deployment_block: reg.tao_in_refund_deployment_block,
        network_registration_start_block: reg.network_registration_start_block,
        subnet_locked: if pre_refund.is_zero() {
            subnet_locked
        } else {
            Tao::ZERO
        },
        subnet_owner_cut: params.subnet_owner_cut,
        current_alpha_price: current_alpha_price(rules.amm, s),
        subnet_account_balance: tao_held.saturating_sub(pre_refund),
        pools,
    };
    let payout = destroy_alpha_in_out_stakes(&input);

    let mut paid: Vec<(ColdkeyId, Tao)> = Vec::new();
    let mut paid_to_modelled = Tao::ZERO;
    let mut paid_to_unmodelled = Tao::ZERO;
    for portion in &payout.portions {
        if let Holder::Staker { coldkey, .. } = &portion.holder {
            match coldkey {
                StakeHolder::Coldkey(id) => {
                    paid_to_modelled = paid_to_modelled.saturating_add(portion.tao);
                    match paid.iter_mut().find(|(c, _)| c == id) {
                        Some((_, total)) => *total = total.saturating_add(portion.tao),
                        None => paid.push((*id, portion.tao)),
                    }
                }
                StakeHolder::Unmodelled => {
                    paid_to_unmodelled = paid_to_unmodelled.saturating_add(portion.tao)
                }
            }
        }
    }
    let owner_refund = pre_refund.saturating_add(payout.refund_paid);
    let recycled = payout.recycled_from_subnet_account;
    let left = tao_held
        .saturating_sub(paid_to_modelled)
        .saturating_sub(paid_to_unmodelled)
        .saturating_sub(owner_refund)
        .saturating_sub(recycled);
    let outcome = DissolveOutcome {
        block: net.block,
        netuid,
        registered_at: s.registered_at,
        moving_price: moving_alpha_price(s),
        tao_held,
        pot: s.pool.tao_reserve,
        paid,
        paid_to_modelled,
        paid_to_unmodelled,
        protocol_share: payout.protocol_tao_share,
        owner_refund,
        recycled,
        left_in_subnet_account: left,
        alpha_destroyed: Alpha(s.alpha_issuance()),
        neurons_removed: s.neurons.len(),
        payout,
    };

    // Commit.
    for (coldkey, tao) in &outcome.paid {
        net.ledger.credit(LedgerHolder::Account(*coldkey), *tao);
    }
    let refund_to = match owner {
        Some(coldkey) => LedgerHolder::Account(coldkey),
        None => LedgerHolder::Unmodelled,
    };
    net.ledger.credit(refund_to, owner_refund);
    net.ledger.credit(
        LedgerHolder::Unmodelled,
        paid_to_unmodelled.saturating_add(left),
    );
    if !recycled.is_zero() {
        net.ledger
            .recycle_credit(recycled, RecycleReason::Dissolution);
    }
    net.subnets.remove(index);
    reg.per_subnet.remove(&netuid);
    Ok(outcome)
}

/// Where a registration's UID goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UidSlot {
    Append,
    Replace(u16),
}

/// `register_neuron`'s slot choice: append below `MaxAllowedUids`, else the UID
/// [`neuron_to_prune`] picks among the non-owner-immortal UIDs.
fn uid_slot(
    net: &Network,
    subnet: &Subnet,
    state: &SubnetRegistration,
    block: BlockNumber,
) -> Result<UidSlot, RegistrationRejected> {
    let netuid = subnet.netuid;
    let neurons = &subnet.neurons;
    if state.max_allowed_uids == 0 {
        return Err(RegistrationRejected::NoUidAvailable(netuid));
    }
    if neurons.len() < usize::from(state.max_allowed_uids) {
        return Ok(UidSlot::Append);
    }
    let (owner_coldkey, owner_hotkey) = match subnet.owner {
        Some((c, h)) => (Some(c), Some(h)),
        None => (None, None),
    };
    let owner_hotkey_uid = owner_hotkey.and_then(|h| neurons.uid_of(h)).map(Uid);
    let owner_coldkey_uids: Vec<Uid> = match owner_coldkey {
        Some(owner) => neurons
            .hotkeys()
            .iter()
            .enumerate()
            .filter(|(_, h)| {
                net.hotkeys
                    .get(h.0 as usize)
                    .is_some_and(|hk| hk.owner == owner)
            })
            .filter_map(|(uid, _)| u16::try_from(uid).ok().map(Uid))
            .collect(),
        None => Vec::new(),
    };
    let immortal = immune_owner_uids(
        owner_hotkey_uid,
        &owner_coldkey_uids,
        &neurons.registered_at,
        state.immune_owner_uids_limit,
    );
    let emission: Vec<Alpha> = neurons.emission.iter().map(|e| Alpha(*e)).collect();
    let view = NeuronPruneView {
        registered_at: &neurons.registered_at,
        emission: &emission,
        immortal: &immortal,
        immunity_period: state.immunity_period,
        min_non_immune_uids: state.min_non_immune_uids,
    };
    neuron_to_prune(&view, block)
        .map(|uid| UidSlot::Replace(uid.0))
        .ok_or(RegistrationRejected::NoUidAvailable(netuid))
}

/// `replace_neuron` + `clear_neuron`: the UID gets the new hotkey and registration block, its
/// outputs, permit, bonds and own weights are cleared, and weights others set on it are zeroed.
fn replace_neuron(neurons: &mut Neurons, uid: u16, hotkey: HotkeyId, block: BlockNumber) {
    fn set<T>(column: &mut [T], i: usize, value: T) {
        if let Some(slot) = column.get_mut(i) {
            *slot = value;
        }
    }
    let i = usize::from(uid);
    neurons.set_hotkey(i, hotkey);
    set(&mut neurons.registered_at, i, block);
    set(&mut neurons.last_update, i, block);
    set(&mut neurons.validator_permit, i, false);
    set(&mut neurons.weights, i, Vec::new());
    set(&mut neurons.bonds, i, Vec::new());
    set(&mut neurons.incentive, i, 0);
    set(&mut neurons.dividends, i, 0);
    set(&mut neurons.consensus, i, 0);
    set(&mut neurons.validator_trust, i, 0);
    set(&mut neurons.emission, i, 0);
    for row in &mut neurons.weights {
        for (target, weight) in row.iter_mut() {
            if *target == uid {
                *weight = 0;
            }
        }
    }
}

/// The burn's buy in the era's pool, on `pool` (a copy): `swap_tao_for_alpha` with the fee
/// (`drop_fees = false`) at the maximum price; the alpha bought is recycled. On error the pool is
/// unchanged.
pub(crate) fn buy_burn(
    pool: &mut Pool,
    mechanism: Mechanism,
    rules: &Rules,
    paid: Tao,
) -> Result<BurnPayment, SwapError> {
    if mechanism == Mechanism::Stable {
        // 1:1, no pool curve.
        pool.tao_reserve = pool.tao_reserve.saturating_add(paid);
        return Ok(BurnPayment {
            tao_to_pool: paid,
            alpha_recycled: Alpha(paid.rao()),
            ..BurnPayment::default()
        });
    }
    match rules.amm {
        Amm::ConstantProductFlatFee => {
            // The launch-era swap: no fee inside the registration path.
            let out = pool
                .launch_swap(Side::Buy, paid.rao())
                .ok_or(SwapError::ReservesTooLow)?;
            Ok(BurnPayment {
                tao_to_pool: paid,
                alpha_recycled: Alpha(out),
                ..BurnPayment::default()
            })
        }
        Amm::ConstantProductFeeRate | Amm::Balancer => {
            let result = pool.swap(Side::Buy, paid.rao(), MAX_PRICE_LIMIT, false)?;
            let fee = Tao(result.fee_paid);
            let compound = rules.amm == Amm::ConstantProductFeeRate
                && rules.fee_destination == FeeDestination::Recycled;
            if compound {
                pool.compound_fee(Side::Buy, fee.rao());
            }
            let into_pool =
                Tao(result.amount_paid_in).saturating_add(if compound { fee } else { Tao::ZERO });
            Ok(BurnPayment {
                tao_recycled: Tao::ZERO,
                tao_to_pool: Tao(result.amount_paid_in),
                fee,
                tao_to_subnet_account: paid.saturating_sub(into_pool),
                alpha_recycled: Alpha(result.amount_paid_out),
            })
        }
    }
}

fn subnet_index(net: &Network, netuid: NetUid) -> Result<usize, RegistrationRejected> {
    net.subnets
        .iter()
        .position(|s| s.netuid == netuid)
        .ok_or(RegistrationRejected::SubnetNotFound(netuid))
}

fn coldkey_id(net: &Network, name: &str) -> Result<ColdkeyId, RegistrationRejected> {
    net.ledger
        .coldkey_id(name)
        .ok_or_else(|| RegistrationRejected::UnknownColdkey(name.to_string()))
}

/// The hotkey by name: an existing one must belong to `coldkey`; a new one gets the next id.
fn resolve_hotkey(
    net: &Network,
    name: &str,
    coldkey: ColdkeyId,
) -> Result<(HotkeyId, bool), RegistrationRejected> {
    match net.hotkeys.iter().position(|h| h.name == name) {
        Some(i) => {
            if net.hotkeys[i].owner != coldkey {
                return Err(RegistrationRejected::HotkeyOwnedByOtherColdkey {
                    hotkey: name.to_string(),
                });
            }
            let id = u32::try_from(i).map_err(|_| RegistrationRejected::TooManyHotkeys)?;
            Ok((HotkeyId(id), false))
        }
        None => {
            let id = u32::try_from(net.hotkeys.len())
                .map_err(|_| RegistrationRejected::TooManyHotkeys)?;
            Ok((HotkeyId(id), true))
        }
    }
}

/// `get_next_netuid`: the lowest netuid from 1 that no subnet uses.
fn next_free_netuid(net: &Network) -> Option<NetUid> {
    (1..=u16::MAX)
        .map(NetUid)
        .find(|n| !net.subnets.iter().any(|s| s.netuid == *n))
}
