//! The block engine: `Simulation::step_block` runs the chain's per-block phases in order.

mod agents;
mod alpha_halvings;
mod demand;
mod extrinsics;

pub use alpha_halvings::AlphaHalvingRecord;
pub use demand::DemandTotals;

use crate::coinbase::{Coinbase, CoinbaseParams};
use crate::emission::{self, block_emission_for_issuance, TOTAL_SUPPLY};
use crate::epoch::EpochRunner;
use crate::events::{EventAction, RecycleFlow, ScheduledEvent};
use crate::ledger::{Holder, Ledger, LedgerError, RecycleReason};
use crate::lifecycle::ops::{dissolve_subnet, start_call, RegistrationState};
use crate::network::Network;
use crate::params::Params;
use crate::price::{PriceConfig, PricePath};
use crate::rules::{EmissionSplit, Injection, RootDividends, Rules};
use crate::schedule::{self, EpochDecision};
use crate::stake::ops::RootClaimedBook;
use crate::stake::PendingPayout;
use crate::subnet::Subnet;
use crate::time::{BlockClock, UnixMillis};
use crate::trace::{NetworkRow, SubnetRow, TraceSink};
use crate::units::{Alpha, BlockNumber, NetUid, Tao};
use std::collections::BTreeMap;
use substrate_fixed::types::I96F32;

/// Everything a run starts from, already validated (the CLI builds it from a scenario file).
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    /// The state given is the state after this block.
    pub start_block: BlockNumber,
    pub start_ms: UnixMillis,
    pub block_ms: u64,
    pub total_issuance: Tao,
    /// Named coldkeys and their free balances; the rest of issuance is held by the unmodelled rest.
    pub accounts: Vec<(String, Tao)>,
    /// Subnets at the start (e.g. from a snapshot), netuid order.
    pub subnets: Vec<Subnet>,
    /// Modelled hotkeys that subnets' neurons and pools refer to.
    pub hotkeys: Vec<crate::neurons::Hotkey>,
    pub rules: Rules,
    pub params: Params,
    /// Sorted by block by [`Simulation::new`]; same-block events keep their order.
    pub events: Vec<ScheduledEvent>,
    pub flows: Vec<RecycleFlow>,
    /// Sample the `network` table every this many blocks (and at the first and last block).
    pub network_every: u64,
    /// Sample the `subnets` table every this many blocks (and at the first and last block).
    pub subnets_every: u64,
    /// Write a subnet's `neurons` rows at its first epoch after every this many blocks (1: every
    /// epoch).
    pub neurons_every: u64,
    /// Sample the `positions` table (agents' stakes) every this many blocks.
    pub positions_every: u64,
    /// Check the conservation invariants every this many blocks (1 in tests).
    pub invariants_every: u64,
    /// An exogenous TAO/USD price path, if the scenario has one.
    pub price: Option<PriceConfig>,
    /// Start from a saved chain state: it replaces `subnets`, `total_issuance` and the start
    /// block (which must equal the state's); `accounts` and `hotkeys` are added to it.
    pub state: Option<Box<crate::state::SavedState>>,
}

/// A halving reached during the run: the first block minted at the halved rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HalvingRecord {
    pub halvings: u32,
    pub block: BlockNumber,
    pub time_ms: UnixMillis,
    pub total_issuance: Tao,
    /// Recycled rao by reason from the start to this block ([`RecycleReason::ALL`] order).
    pub recycled: [u64; RecycleReason::COUNT],
}

/// Why a run stopped early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    // `cause`, not `source`: the message already says it, and error chains would repeat it.
    #[error("block {block}: {cause}")]
    Ledger {
        block: BlockNumber,
        cause: LedgerError,
    },
    #[error("block {block}: invariant broken: {detail}")]
    Invariant { block: BlockNumber, detail: String },
    #[error("block {block}: event: {detail}")]
    Event { block: BlockNumber, detail: String },
    /// The run cannot start as configured (e.g. agents' keys or balances).
    #[error("{0}")]
    Setup(String),
}

pub struct Simulation {
    network: Network,
    rules: Rules,
    params: Params,
    clock: BlockClock,
    events: Vec<ScheduledEvent>,
    next_event: usize,
    flows: Vec<RecycleFlow>,
    flow_carry: Vec<u128>,
    seed: u64,
    start_block: BlockNumber,
    start_issuance: Tao,
    network_every: u64,
    subnets_every: u64,
    invariants_every: u64,
    neurons_every: u64,
    positions_every: u64,
    /// The block of each subnet's last `neurons` rows.
    neurons_sampled: BTreeMap<NetUid, BlockNumber>,
    /// Scratch: indices of the subnets whose epoch ran this block.
    epochs_ran: Vec<usize>,
    agents: agents::AgentSet,
    halvings: Vec<HalvingRecord>,
    alpha_halvings: alpha_halvings::AlphaHalvings,
    price: Option<PricePath>,
    coinbase: Coinbase,
    epoch: EpochRunner,
    registration: RegistrationState,
    /// `RootClaimed` watermarks of root stakers.
    root_claimed: RootClaimedBook,
    /// Draws of block production (auto-claim coldkey selection).
    block_rng: crate::rng::SimRng,
    /// Scratch: root stakers' coldkeys.
    root_stakers: Vec<crate::units::ColdkeyId>,
    /// Pre-dTAO `EmissionValues`: TAO per block per netuid, set by the root epoch.
    emission_values: Vec<(NetUid, u64)>,
    flows_total: FlowTotals,
    /// Recurring registration demands installed by events, and what they did.
    demand: Vec<demand::DemandState>,
    demand_totals: DemandTotals,
}

/// Cumulative TAO and alpha movements of the coinbase and the epochs, for the `network` table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowTotals {
    /// TAO injected into pools as liquidity (tao_in).
    pub tao_injected: u64,
    /// TAO spent by chain buys of excess emission.
    pub tao_chain_bought: u64,
    /// Epochs run.
    pub epochs: u64,
    /// Alpha paid out at epochs (to stakers, owners and root).
    pub alpha_paid: u64,
}

impl Simulation {
    pub fn new(mut config: SimConfig) -> Result<Self, SimError> {
        let block = config.start_block;
        let mut block_rng = crate::rng::stream(config.seed, crate::rng::Stream::Blocks);
        let (network, registration, root_claimed, emission_values) = match config.state.take() {
            Some(state) => {
                let mut net = state.network;
                net.ledger.reset_totals();
                if state.block != block || !config.subnets.is_empty() {
                    return Err(SimError::Setup(format!(
                        "a saved state (block {}) replaces the start block and the subnets",
                        state.block
                    )));
                }
                for (name, balance) in &config.accounts {
                    net.ledger
                        .add_account(name, *balance)
                        .map_err(|cause| SimError::Ledger { block, cause })?;
                }
                net.hotkeys.append(&mut config.hotkeys);
                block_rng = state.block_rng;
                (
                    net,
                    state.registration,
                    state.root_claimed,
                    state.emission_values,
                )
            }
            None => (
                Self::new_network(&mut config)?,
                RegistrationState::default(),
                RootClaimedBook::default(),
                Vec::new(),
            ),
        };
        let total_issuance = network.ledger.total_issuance();
        // Stable: same-block events keep scenario order.
        config.events.sort_by_key(|e| e.at_block);
        let next_event = config.events.partition_point(|e| e.at_block <= block);
        Ok(Self {
            network,
            rules: config.rules,
            params: config.params,
            clock: BlockClock::new(block, config.start_ms, config.block_ms),
            flow_carry: vec![0; config.flows.len()],
            events: config.events,
            next_event,
            flows: config.flows,
            seed: config.seed,
            start_block: block,
            start_issuance: total_issuance,
            network_every: config.network_every.max(1),
            subnets_every: config.subnets_every.max(1),
            invariants_every: config.invariants_every.max(1),
            neurons_every: config.neurons_every.max(1),
            positions_every: config.positions_every.max(1),
            neurons_sampled: BTreeMap::new(),
            epochs_ran: Vec::new(),
            agents: agents::AgentSet::default(),
            halvings: Vec::new(),
            alpha_halvings: Default::default(),
            price: config
                .price
                .map(|p| PricePath::new(p, config.seed, config.start_ms)),
            coinbase: Coinbase::default(),
            epoch: EpochRunner::default(),
            registration,
            root_claimed,
            block_rng,
            root_stakers: Vec::new(),
            emission_values,
            flows_total: FlowTotals::default(),
            demand: Vec::new(),
            demand_totals: DemandTotals::default(),
        })
    }

    /// The network a scenario describes: its accounts, subnets and hotkeys, with the rest of
    /// issuance held by the unmodelled rest and outstanding alpha by unmodelled stakers.
    fn new_network(config: &mut SimConfig) -> Result<Network, SimError> {
        let block = config.start_block;
        let in_pools: Tao = Tao(config.subnets.iter().map(|s| s.tao_held()).sum());
        let ledger = Ledger::new(config.total_issuance, &config.accounts, in_pools)
            .map_err(|cause| SimError::Ledger { block, cause })?;
        let emission = block_emission_for_issuance(config.total_issuance.0).unwrap_or(0);
        for s in &mut config.subnets {
            let assigned = s.pending_alpha()
                + s.protocol_alpha.0
                + s.alpha_dust.0
                + s.pool_stake()
                + s.alpha_root_owed.0;
            s.alpha_staked = Alpha(s.alpha_out.0.saturating_sub(assigned));
        }
        Ok(Network {
            block,
            ledger,
            block_emission: Tao(emission),
            subnets: std::mem::take(&mut config.subnets),
            hotkeys: std::mem::take(&mut config.hotkeys),
        })
    }

    /// The chain state now, to save and start another run from.
    pub fn saved_state(&self) -> crate::state::SavedState {
        crate::state::SavedState {
            format: crate::state::STATE_FORMAT,
            block: self.network.block,
            time_ms: self.clock.time_of(self.network.block),
            network: self.network.clone(),
            registration: self.registration.clone(),
            root_claimed: self.root_claimed.clone(),
            emission_values: self.emission_values.clone(),
            block_rng: self.block_rng.clone(),
        }
    }

    pub fn network(&self) -> &Network {
        &self.network
    }
    pub fn rules(&self) -> &Rules {
        &self.rules
    }
    pub fn params(&self) -> &Params {
        &self.params
    }
    pub fn registration(&self) -> &RegistrationState {
        &self.registration
    }
    pub fn clock(&self) -> &BlockClock {
        &self.clock
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn block(&self) -> BlockNumber {
        self.network.block
    }
    pub fn start_block(&self) -> BlockNumber {
        self.start_block
    }
    pub fn start_issuance(&self) -> Tao {
        self.start_issuance
    }
    /// The TAO/USD price now, if the scenario has a price path.
    pub fn tao_usd(&self) -> Option<f64> {
        self.price.as_ref().map(PricePath::tao_usd)
    }

    /// Halvings reached so far, in order.
    pub fn halvings(&self) -> &[HalvingRecord] {
        &self.halvings
    }

    /// Subnets' alpha halvings reached so far, in order.
    pub fn alpha_halvings(&self) -> &[AlphaHalvingRecord] {
        self.alpha_halvings.records()
    }

    /// Writes the initial state as the first trace row.
    pub fn start(&mut self, sink: &mut dyn TraceSink) -> Result<(), SimError> {
        self.check_invariants()?;
        sink.network(&self.network_row());
        self.sample_subnets(sink);
        self.sample_positions(sink);
        Ok(())
    }

    /// Processes the next block, phase by phase, in the chain's order (spec 2.1).
    pub fn step_block(&mut self, sink: &mut dyn TraceSink) -> Result<(), SimError> {
        let block = self.network.block + 1;
        self.network.block = block;
        // 0. Exogenous inputs: the TAO/USD price of this block.
        if let Some(price) = &mut self.price {
            price.step(self.clock.time_of(block), self.clock.block_ms_at(block));
        }
        // 1. on_initialize: registration prices decay and per-block counters reset
        //    (`update_registration_prices_for_networks`), for modelled subnets.
        if self.network.subnets.iter().any(|s| !s.is_root()) {
            self.registration.on_block(&self.network, &self.rules);
        }
        //    Then the block emission (`get_block_emission`), minted and placed by the
        //    coinbase (`run_coinbase` up to the drain).
        let emission = self.block_emission(block);
        self.alpha_halvings
            .observe(block, self.clock.time_of(block), &self.network.subnets);
        self.run_coinbase(block, emission)?;
        // 2. The epochs that are due drain their pending buckets and pay out
        //    (`drain_pending`, `distribute_emissions_to_subnets`).
        self.run_epochs(block);
        self.sample_epoch_neurons(block, sink);
        // 3. `update_moving_prices` for the subnets emitted to.
        self.update_moving_prices(block);
        // 4. `run_auto_claim_root_divs`: a few root stakers claim their root dividends.
        if self.rules.root_dividends == RootDividends::Claimable {
            crate::epoch::root_claims::run_auto_claims(
                &mut self.network.subnets,
                &mut self.root_claimed,
                &mut self.block_rng,
                &mut self.root_stakers,
            );
        }
        // 5. extrinsics: scheduled scenario events, the agents' actions, then recurring flows.
        self.apply_events(block, sink)?;
        if !self.agents.is_empty() {
            self.run_agents(block, sink);
        }
        self.apply_flows(block)?;
        self.apply_demand(block)?;
        if (block - self.start_block).is_multiple_of(self.invariants_every) {
            self.check_invariants()?;
        }
        if (block - self.start_block).is_multiple_of(self.network_every) {
            sink.network(&self.network_row());
        }
        if (block - self.start_block).is_multiple_of(self.subnets_every) {
            self.sample_subnets(sink);
        }
        if (block - self.start_block).is_multiple_of(self.positions_every) {
            self.sample_positions(sink);
        }
        Ok(())
    }

    /// Runs blocks up to and including `end_block` (call [`Simulation::finish`] at the end).
    pub fn run_until(
        &mut self,
        end_block: BlockNumber,
        sink: &mut dyn TraceSink,
    ) -> Result<(), SimError> {
        while self.network.block < end_block {
            self.step_block(sink)?;
        }
        Ok(())
    }

    /// Samples the current block unless the cadence already did; call once at the end of a run.
    pub fn finish(&mut self, sink: &mut dyn TraceSink) -> Result<(), SimError> {
        self.check_invariants()?;
        let since_start = self.network.block - self.start_block;
        if !since_start.is_multiple_of(self.network_every) {
            sink.network(&self.network_row());
        }
        if !since_start.is_multiple_of(self.subnets_every) {
            self.sample_subnets(sink);
        }
        if !since_start.is_multiple_of(self.positions_every) {
            self.sample_positions(sink);
        }
        Ok(())
    }

    /// Mirrors `get_block_emission`: the emission for the current issuance (0 when the
    /// calculation fails), capped at what is left of the supply, with each halving recorded.
    fn block_emission(&mut self, block: BlockNumber) -> Tao {
        let issuance = self.network.ledger.total_issuance();
        let emission = Tao(block_emission_for_issuance(issuance.0).unwrap_or(0));
        let previous = emission::halvings_at(self.network.block_emission.0);
        let now = emission::halvings_at(emission.0);
        if now > previous && emission.0 > 0 {
            self.halvings.push(HalvingRecord {
                halvings: now,
                block,
                time_ms: self.clock.time_of(block),
                total_issuance: issuance,
                recycled: self.network.ledger.recycled().as_array(),
            });
        }
        self.network.block_emission = emission;
        Tao(emission.0.min(TOTAL_SUPPLY.saturating_sub(issuance.0)))
    }

    fn coinbase_params(&self, block: BlockNumber) -> CoinbaseParams {
        CoinbaseParams {
            block,
            root_tao: self
                .network
                .subnets
                .iter()
                .find(|s| s.is_root())
                .map_or(0, |s| s.pool.tao_reserve.0),
            tao_weight: self.params.tao_weight,
            subnet_owner_cut: self.params.subnet_owner_cut,
            moving_alpha: I96F32::from_bits(i128::from(self.params.subnet_moving_alpha)),
        }
    }

    /// Mints and places the block emission (`mint_tao`, `run_coinbase`). Without modelled
    /// subnets, or before dTAO, the credit goes to the unmodelled rest of the network, which
    /// stands for all subnets (issuance-only model, docs/decisions/0002). In the dTAO eras the
    /// coinbase splits it across subnets and what no subnet takes is recycled; the launch-era
    /// coinbase raised issuance only by the TAO it injected.
    fn run_coinbase(&mut self, block: BlockNumber, emission: Tao) -> Result<(), SimError> {
        let ledger_err = |source| SimError::Ledger {
            block,
            cause: source,
        };
        let modelled = self.network.subnets.iter().any(|s| !s.is_root());
        let root_network = self
            .network
            .subnets
            .first()
            .is_some_and(|r| r.is_root() && !r.neurons.is_empty());
        if modelled && root_network && self.rules.emission_split == EmissionSplit::RootWeights {
            return self.run_root_network_coinbase(block, emission);
        }
        if !modelled || self.rules.injection == Injection::None {
            let credit = self.network.ledger.mint(emission).map_err(ledger_err)?;
            self.network.ledger.credit(Holder::Unmodelled, credit);
            return Ok(());
        }
        let params = self.coinbase_params(block);
        if self.rules.injection == Injection::LaunchUncapped {
            let report = self
                .coinbase
                .run_launch(&params, emission.0, &mut self.network.subnets);
            let minted = Tao(report.launch_minted);
            self.flows_total.tao_injected += minted.0;
            self.network.ledger.mint(minted).map_err(ledger_err)?;
            return Ok(());
        }
        let credit = self.network.ledger.mint(emission).map_err(ledger_err)?;
        let report = self
            .coinbase
            .run(&self.rules, &params, credit.0, &mut self.network.subnets);
        for r in &report.subnets {
            self.flows_total.tao_injected += r.injected.actual_tao;
            self.flows_total.tao_chain_bought += r.injected.excess_tao_u64;
        }
        let left = Tao(report.credit_left);
        self.network
            .ledger
            .recycle_credit(left, RecycleReason::UnspentEmission);
        Ok(())
    }

    /// The pre-dTAO coinbase (`run_coinbase` with `root_epoch`, late 2024): every root tempo the
    /// root validators' weights set `EmissionValues`; each block every subnet that allows
    /// registration receives its value, paid to its (unmodelled) stakers, and root's own value
    /// is recycled, as is what the values leave of the block emission.
    fn run_root_network_coinbase(
        &mut self,
        block: BlockNumber,
        emission: Tao,
    ) -> Result<(), SimError> {
        let ledger_err = |source| SimError::Ledger {
            block,
            cause: source,
        };
        let root = &self.network.subnets[0];
        if self.emission_values.is_empty() || root.clock.legacy_due(root.netuid, block) {
            let stakes: Vec<u64> = root
                .neurons
                .hotkeys()
                .iter()
                .map(|h| root.pools.get(h).map_or(0, |p| p.value()))
                .collect();
            let netuids: Vec<NetUid> = self.network.subnets.iter().map(|s| s.netuid).collect();
            let values = crate::coinbase::root_weights::root_epoch(
                &stakes,
                &root.neurons.weights,
                &netuids,
                crate::coinbase::root_weights::ROOT_KAPPA,
                crate::coinbase::root_weights::ROOT_RHO,
                emission.0,
            );
            self.emission_values = netuids.into_iter().zip(values).collect();
        }
        let credit = self.network.ledger.mint(emission).map_err(ledger_err)?;
        let mut placed = 0u64;
        for s in self.network.subnets.iter_mut() {
            s.last_emission = Default::default();
        }
        for (netuid, value) in &self.emission_values {
            let Some(s) = self
                .network
                .subnets
                .iter_mut()
                .find(|s| s.netuid == *netuid)
            else {
                continue;
            };
            if s.is_root() || !s.registration_allowed {
                continue;
            }
            let value = (*value).min(credit.0 - placed);
            placed += value;
            s.last_emission.tao_emission = Tao(value);
            s.last_emission.share = value as f64 / credit.0.max(1) as f64;
            self.network.ledger.credit(Holder::Unmodelled, Tao(value));
        }
        self.network
            .ledger
            .recycle_credit(Tao(credit.0 - placed), RecycleReason::UnspentEmission);
        Ok(())
    }

    /// `drain_pending` and the payouts (`distribute_emissions_to_subnets`). A subnet whose
    /// epoch runs hands its pending buckets to its stakers: through the Yuma epoch and
    /// `distribute_emission` when it has modelled neurons, else to its aggregate stakers
    /// (`alpha_staked`). The launch era's root TAO dividends go to root stake.
    fn run_epochs(&mut self, block: BlockNumber) {
        let schedule_rule = self.rules.epoch_schedule;
        let max = self.params.max_epochs_per_block;
        let tao_weight = self.params.tao_weight;
        let mut ran = 0u32;
        let mut root_tao = 0u64;
        self.epochs_ran.clear();
        let has_root = self.network.subnets.first().is_some_and(Subnet::is_root);
        let (root_part, rest) = self.network.subnets.split_at_mut(usize::from(has_root));
        let no_pools = BTreeMap::new();
        let root_pools = root_part.first().map_or(&no_pools, |r| &r.pools);
        for (i, s) in rest.iter_mut().enumerate() {
            let decision = schedule::decide(
                schedule_rule,
                s.netuid,
                &mut s.clock,
                block,
                max,
                &mut ran,
                true,
            );
            if decision != EpochDecision::Run {
                continue;
            }
            let drained = s.pending;
            s.pending = Default::default();
            let paid = drained.server.0
                + drained.validator.0
                + drained.root.0
                + drained.owner_cut.0
                + drained.emission.0;
            if s.neurons.is_empty() {
                s.alpha_staked = s.alpha_staked.saturating_add(Alpha(paid));
            } else {
                // The launch era kept one bucket for miners and validators; the epoch splits
                // it evenly, as the current split does.
                let half = drained.emission.0 / 2;
                let payout = PendingPayout {
                    server: drained.server.saturating_add(Alpha(half)),
                    validator: drained
                        .validator
                        .saturating_add(Alpha(drained.emission.0 - half)),
                    root: drained.root,
                    owner_cut: drained.owner_cut,
                };
                self.epochs_ran.push(i + usize::from(has_root));
                self.epoch.run(
                    s,
                    root_pools,
                    &self.network.hotkeys,
                    block,
                    tao_weight,
                    payout,
                );
            }
            root_tao = root_tao.saturating_add(s.pending_root_tao.0);
            s.pending_root_tao = Tao::ZERO;
            s.pending_alpha_swapped = Alpha::ZERO;
            schedule::record_step(schedule_rule, &mut s.clock, block);
            self.flows_total.epochs += 1;
            self.flows_total.alpha_paid += paid;
        }
        if root_tao > 0 {
            match root_part.first_mut() {
                Some(root) => {
                    root.pool.tao_reserve = root.pool.tao_reserve.saturating_add(Tao(root_tao))
                }
                None => self
                    .network
                    .ledger
                    .credit(Holder::Unmodelled, Tao(root_tao)),
            }
        }
    }

    /// The `neurons` rows of the subnets whose epoch just ran, at the table's cadence.
    fn sample_epoch_neurons(&mut self, block: BlockNumber, sink: &mut dyn TraceSink) {
        for k in 0..self.epochs_ran.len() {
            let idx = self.epochs_ran[k];
            let netuid = self.network.subnets[idx].netuid;
            let due = self
                .neurons_sampled
                .get(&netuid)
                .is_none_or(|last| block - last >= self.neurons_every);
            if due {
                self.neurons_sampled.insert(netuid, block);
                self.sample_neurons(idx, sink);
            }
        }
    }

    /// `update_moving_prices` for the subnets this block's coinbase emitted to.
    fn update_moving_prices(&mut self, block: BlockNumber) {
        if self.rules.injection == Injection::None {
            return;
        }
        let params = self.coinbase_params(block);
        self.coinbase
            .update_moving_prices(&self.rules, &params, &mut self.network.subnets);
    }

    fn apply_events(
        &mut self,
        block: BlockNumber,
        sink: &mut dyn TraceSink,
    ) -> Result<(), SimError> {
        while let Some(event) = self
            .events
            .get(self.next_event)
            .filter(|e| e.at_block == block)
        {
            let action = event.action.clone();
            self.next_event += 1;
            match action {
                EventAction::Recycle {
                    amount,
                    reason,
                    from,
                } => self
                    .network
                    .ledger
                    .recycle(from, amount, reason)
                    .map_err(|source| SimError::Ledger {
                        block,
                        cause: source,
                    })?,
                EventAction::SetParam { name, value } => self
                    .params
                    .set(&name, value)
                    .map_err(|detail| SimError::Event { block, detail })?,
                EventAction::SwitchEra(era) => {
                    // Leaving the pre-dTAO rules runs the launch migration (`migrate_rao`).
                    if self.rules.era == crate::rules::Era::PreDtao
                        && era != crate::rules::Era::PreDtao
                    {
                        crate::lifecycle::dtao_migration::migrate_to_dtao(
                            &mut self.network,
                            &mut self.params,
                            &self.emission_values,
                        )
                        .map_err(|source| SimError::Ledger {
                            block,
                            cause: source,
                        })?;
                    }
                    self.rules = era.rules()
                }
                EventAction::OverrideRule(o) => self.rules.apply(o),
                EventAction::SetBlockTime { block_ms } => {
                    self.clock.set_block_time(block + 1, block_ms)
                }
                EventAction::Halt { duration_ms } => self.clock.halt(block + 1, duration_ms),
                EventAction::RegisterNeurons {
                    netuid,
                    count,
                    coldkey,
                } => {
                    for i in 0..count {
                        let hotkey = format!("{coldkey}/{}/{block}/{i}", netuid.0);
                        let row = self.register_one_neuron(netuid, &coldkey, &hotkey, None);
                        sink.registration(&row);
                    }
                }
                EventAction::RegisterSubnet {
                    coldkey,
                    hotkey,
                    tempo,
                    lock,
                } => {
                    let row = self.register_one_subnet(&coldkey, &hotkey, tempo, lock);
                    sink.registration(&row);
                }
                EventAction::RegistrationDemand(spec) => self.install_demand(spec),
                EventAction::StartCall { netuid, coldkey } => {
                    let mut row = self.registration_row("start_call", netuid.0, &coldkey, "");
                    if let Err(e) = start_call(
                        &mut self.network,
                        &self.registration,
                        &self.rules,
                        netuid,
                        &coldkey,
                    ) {
                        row.outcome = e.to_string();
                    }
                    sink.registration(&row);
                }
                EventAction::AddStake {
                    coldkey,
                    hotkey,
                    netuid,
                    tao,
                } => {
                    let row = self.stake_action(&coldkey, &hotkey, netuid, Some(tao), None);
                    sink.action(&row);
                }
                EventAction::RemoveStake {
                    coldkey,
                    hotkey,
                    netuid,
                    alpha,
                } => {
                    let row = self.stake_action(&coldkey, &hotkey, netuid, None, Some(alpha));
                    sink.action(&row);
                }
                EventAction::MoveStake {
                    coldkey,
                    hotkey,
                    netuid,
                    to_hotkey,
                    to_netuid,
                    alpha,
                } => {
                    let row = self.move_or_unstake_all(
                        &coldkey,
                        &hotkey,
                        Some((netuid, to_hotkey.as_str(), to_netuid, alpha)),
                    );
                    sink.action(&row);
                }
                EventAction::UnstakeAll { coldkey, hotkey } => {
                    let row = self.move_or_unstake_all(&coldkey, &hotkey, None);
                    sink.action(&row);
                }
                EventAction::DissolveSubnet { netuid } => {
                    let mut row = self.registration_row("dissolve", netuid.0, "", "");
                    match dissolve_subnet(
                        &mut self.network,
                        &mut self.registration,
                        &self.rules,
                        &self.params,
                        netuid,
                    ) {
                        Ok(d) => {
                            row.price = d.pot.0;
                            row.recycled = d.recycled.0;
                        }
                        Err(e) => row.outcome = e.to_string(),
                    }
                    sink.registration(&row);
                }
            }
        }
        Ok(())
    }

    fn apply_flows(&mut self, block: BlockNumber) -> Result<(), SimError> {
        let block_ms = self.clock.block_ms_at(block);
        for (flow, carry) in self.flows.iter().zip(self.flow_carry.iter_mut()) {
            let amount = flow.amount_this_block(block, block_ms, carry);
            if !amount.is_zero() {
                self.network
                    .ledger
                    .recycle(flow.from, amount, flow.reason)
                    .map_err(|source| SimError::Ledger {
                        block,
                        cause: source,
                    })?;
            }
        }
        Ok(())
    }

    /// House rule 11: issuance equals what every holder holds, and every decrease is a
    /// recorded recycle (issuance = start + minted - recycled).
    pub fn check_invariants(&self) -> Result<(), SimError> {
        let block = self.network.block;
        let ledger = &self.network.ledger;
        let issuance = ledger.total_issuance();
        let held = self.network.held_total();
        if held != issuance {
            return Err(SimError::Invariant {
                block,
                detail: format!("total issuance {issuance} but holders hold {held}"),
            });
        }
        for s in &self.network.subnets {
            if let Some((outstanding, parts)) = s.alpha_accounting_gap() {
                return Err(SimError::Invariant {
                    block,
                    detail: format!(
                        "subnet {}: alpha outstanding {outstanding} rao but stakers, pending, \
                         protocol alpha and dust add up to {parts} rao",
                        s.netuid
                    ),
                });
            }
        }
        let expected = self.start_issuance.0 as i128 + ledger.minted().0 as i128
            - ledger.recycled().total().0 as i128;
        if expected != issuance.0 as i128 {
            return Err(SimError::Invariant {
                block,
                detail: format!(
                    "total issuance {issuance} but start {} + minted {} - recycled {} = {expected} rao",
                    self.start_issuance,
                    ledger.minted(),
                    ledger.recycled().total()
                ),
            });
        }
        Ok(())
    }

    fn sample_subnets(&self, sink: &mut dyn TraceSink) {
        let block = self.network.block;
        let time_ms = self.clock.time_of(block);
        for s in &self.network.subnets {
            let e = &s.last_emission;
            sink.subnet(&SubnetRow {
                block,
                time_ms,
                netuid: s.netuid.0,
                tao_reserve: s.pool.tao_reserve.0,
                alpha_in: s.pool.alpha_reserve.0,
                alpha_out: s.alpha_out.0,
                protocol_alpha: s.protocol_alpha.0,
                alpha_issuance: s.alpha_issuance(),
                spot_price: crate::coinbase::spot_price_f64(self.rules.amm, s),
                moving_price: s.moving_price_f64(),
                pending_server: s.pending.server.0,
                pending_validator: s.pending.validator.0,
                pending_root: s.pending.root.0,
                pending_owner_cut: s.pending.owner_cut.0,
                emission_share: e.share,
                tao_emission: e.tao_emission.0,
                tao_in: e.tao_in.0,
                alpha_in_emission: e.alpha_in.0,
                alpha_out_emission: e.alpha_out.0,
                excess_tao: e.excess_tao.0,
                owner_cut: e.owner_cut.0,
                root_alpha: e.root_alpha.0,
                root_proportion: e.root_proportion,
                alpha_halvings: emission::halvings_at(
                    block_emission_for_issuance(s.alpha_issuance()).unwrap_or(0),
                ),
                alpha_staked: s.alpha_staked.0,
            });
        }
    }

    fn network_row(&self) -> NetworkRow {
        let n = &self.network;
        let recycled = n.ledger.recycled();
        NetworkRow {
            block: n.block,
            time_ms: self.clock.time_of(n.block),
            total_issuance: n.ledger.total_issuance().0,
            block_emission: n.block_emission.0,
            halvings: emission::halvings_at(
                block_emission_for_issuance(n.ledger.total_issuance().0).unwrap_or(0),
            ),
            minted: n.ledger.minted().0,
            recycled_total: recycled.total().0,
            recycled: recycled.as_array(),
            free_balances: n.ledger.free_total().0,
            unmodelled: n.ledger.unmodelled().0,
            pools_and_locks: n.pools_and_locks().0,
            root_stake: n
                .subnets
                .iter()
                .find(|s| s.is_root())
                .map_or(0, |s| s.pool.tao_reserve.0),
            subnet_tao: n
                .subnets
                .iter()
                .filter(|s| !s.is_root())
                .map(|s| s.pool.tao_reserve.0)
                .sum(),
            tao_injected: self.flows_total.tao_injected,
            tao_chain_bought: self.flows_total.tao_chain_bought,
            epochs: self.flows_total.epochs,
            alpha_paid: self.flows_total.alpha_paid,
            tao_usd: self.tao_usd(),
        }
    }
}
