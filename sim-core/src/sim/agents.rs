//! The engine side of agents: their keys at the start, their wake-ups, and each action applied
//! as the chain would apply it or recorded with the chain's reason for refusing it.

use super::{SimError, Simulation};
use crate::agent::{Action, Agent, AgentSlot, Hyperparameter};
use crate::lifecycle::ops::start_call;
use crate::neurons::{Hotkey, HotkeyId, DEFAULT_DELEGATE_TAKE};
use crate::rng::{agent_stream, SimRng};
use crate::served::ServedTotals;
use crate::trace::{ActionRow, NeuronRow, PositionRow, TraceSink};
use crate::units::{BlockNumber, ColdkeyId, NetUid};
use crate::view::NetworkView;
use std::collections::BTreeMap;

/// `TxDelegateTakeRateLimit`: blocks between two take increases.
pub const TX_DELEGATE_TAKE_RATE_LIMIT: u64 = 216_000;
/// `OwnerHyperparamRateLimit`: tempos between two changes of one hyperparameter.
pub const OWNER_HYPERPARAM_RATE_LIMIT_TEMPOS: u64 = 2;
/// `MaxDelegateTake`: 18 %.
pub const MAX_DELEGATE_TAKE: u16 = 11_796;

/// The agents of a run and what the engine keeps for them.
#[derive(Default)]
pub(super) struct AgentSet {
    agents: Vec<Box<dyn Agent>>,
    rngs: Vec<SimRng>,
    /// `population#member`, for traces.
    labels: Vec<String>,
    coldkeys: Vec<ColdkeyId>,
    /// Agent index per coldkey id (agents' coldkeys only), for the positions table.
    owner_of: BTreeMap<ColdkeyId, u32>,
    /// (block, agent) wake-ups; ties act in scenario order.
    wake: WakeQueue,
    /// Reused action buffer.
    actions: Vec<Action>,
    /// Served quality per hotkey id.
    pub(super) quality: Vec<f64>,
    /// Each subnet's total served quality, as at the block's first ask.
    served_totals: ServedTotals,
    /// Last change per (netuid, hyperparameter name), for the owner rate limit.
    hyper_set_at: BTreeMap<(NetUid, &'static str), BlockNumber>,
    /// Last take increase per hotkey.
    take_set_at: BTreeMap<HotkeyId, BlockNumber>,
}

/// Agents' wake-ups by block, each block's agents acting in scenario (index) order: the order a
/// min-heap of (block, agent) pops them in, with a map lookup per wake-up instead of a heap
/// sift through every agent. A wake-up pushed while a block's agents act is always for a later
/// block, so a block's list is complete when it is taken.
#[derive(Default)]
struct WakeQueue {
    by_block: BTreeMap<BlockNumber, Vec<u32>>,
    /// Emptied lists, reused.
    spare: Vec<Vec<u32>>,
}

impl WakeQueue {
    fn push(&mut self, at: BlockNumber, agent: u32) {
        let spare = &mut self.spare;
        self.by_block
            .entry(at)
            .or_insert_with(|| spare.pop().unwrap_or_default())
            .push(agent);
    }

    /// The agents of the earliest block at or before `block`, in index order.
    fn take_due(&mut self, block: BlockNumber) -> Option<Vec<u32>> {
        let entry = self.by_block.first_entry().filter(|e| *e.key() <= block)?;
        let mut due = entry.remove();
        due.sort_unstable();
        Some(due)
    }
}

impl AgentSet {
    pub(super) fn is_empty(&self) -> bool {
        self.agents.is_empty()
    }
}

impl Simulation {
    /// A run with agents: each agent draws its traits from its own stream
    /// ([`agent_stream`]: adding an agent never changes another agent's draws), its coldkey
    /// gets its starting balance out of the unmodelled rest of issuance, and its hotkeys are
    /// created.
    pub fn with_agents(config: super::SimConfig, slots: Vec<AgentSlot>) -> Result<Self, SimError> {
        let mut sim = Simulation::new(config)?;
        sim.attach_agents(slots)?;
        Ok(sim)
    }

    fn attach_agents(&mut self, slots: Vec<AgentSlot>) -> Result<(), SimError> {
        let setup = SimError::Setup;
        let mut rngs = Vec::with_capacity(slots.len());
        let mut labels = Vec::with_capacity(slots.len());
        let mut agents = Vec::with_capacity(slots.len());
        for mut slot in slots {
            let mut rng = agent_stream(self.seed, &slot.population, slot.member);
            slot.agent.init(&mut rng);
            rngs.push(rng);
            labels.push(format!("{}#{}", slot.population, slot.member));
            agents.push(slot.agent);
        }
        let keys: Vec<_> = agents.iter().map(|a| a.keys()).collect();
        let capital: u128 = keys.iter().map(|k| u128::from(k.coldkey.1 .0)).sum();
        let free = u128::from(self.network.ledger.unmodelled().0);
        if capital > free {
            let tao = |rao: u128| rao as f64 / crate::RAO_PER_TAO as f64;
            return Err(setup(format!(
                "the agents' starting balances add up to {} TAO, more than the {} TAO of total \
                 issuance outside pools and [[accounts]]: lower their capital or stake",
                tao(capital),
                tao(free)
            )));
        }
        let mut hotkey_names: std::collections::BTreeSet<String> = self
            .network
            .hotkeys
            .iter()
            .map(|h| h.name.clone())
            .collect();
        let mut set = AgentSet {
            rngs,
            labels,
            ..AgentSet::default()
        };
        for (i, (mut agent, k)) in agents.into_iter().zip(keys).enumerate() {
            let (name, balance) = &k.coldkey;
            let coldkey = self
                .network
                .ledger
                .add_account(name, *balance)
                .map_err(|e| setup(format!("agent coldkey: {e}")))?;
            let mut ids = Vec::with_capacity(k.hotkeys.len());
            for name in k.hotkeys {
                if !hotkey_names.insert(name.clone()) {
                    return Err(setup(format!("agent hotkey `{name}` is not unique")));
                }
                self.network.hotkeys.push(Hotkey {
                    name,
                    owner: coldkey,
                    delegate_take: DEFAULT_DELEGATE_TAKE,
                });
                ids.push(HotkeyId(self.network.hotkeys.len() as u32 - 1));
            }
            agent.bind(coldkey, &ids);
            set.wake.push(agent.first_wake(self.start_block), i as u32);
            set.owner_of.insert(coldkey, i as u32);
            set.coldkeys.push(coldkey);
            set.agents.push(agent);
        }
        set.quality = vec![0.0; self.network.hotkeys.len()];
        self.agents = set;
        Ok(())
    }

    /// The quality `hotkey` serves (0 when it serves nothing).
    pub fn served_quality(&self, hotkey: HotkeyId) -> f64 {
        self.agents
            .quality
            .get(hotkey.0 as usize)
            .copied()
            .unwrap_or(0.0)
    }

    /// The extrinsics phase for agents: every agent due at `block` looks at the network and
    /// its actions are applied at once, in order, before the next agent looks.
    pub(super) fn run_agents(&mut self, block: BlockNumber, sink: &mut dyn TraceSink) {
        let mut actions = std::mem::take(&mut self.agents.actions);
        self.agents.served_totals.new_block();
        while let Some(mut due) = self.agents.wake.take_due(block) {
            for &i in &due {
                let view = NetworkView::new(
                    &self.network,
                    &self.rules,
                    &self.params,
                    &self.registration,
                    &self.agents.quality,
                    &self.agents.served_totals,
                );
                let idx = i as usize;
                actions.clear();
                let next =
                    self.agents.agents[idx].act(&view, &mut self.agents.rngs[idx], &mut actions);
                self.agents.wake.push(next.max(block + 1), i);
                for action in actions.drain(..) {
                    if let Some(mut row) = self.apply_action(i, action, sink) {
                        row.agent = Some(self.agents.labels[idx].clone());
                        sink.action(&row);
                    }
                }
            }
            due.clear();
            self.agents.wake.spare.push(due);
        }
        self.agents.actions = actions;
    }

    /// Applies one action of agent `i`; returns the `actions` row to write (none for an
    /// accepted `set_weights` or `serve`: those would swamp the table).
    fn apply_action(
        &mut self,
        i: u32,
        action: Action,
        sink: &mut dyn TraceSink,
    ) -> Option<ActionRow> {
        let ck = self.agents.coldkeys[i as usize];
        let hk_name = |sim: &Self, hk: HotkeyId| {
            sim.network
                .hotkeys
                .get(hk.0 as usize)
                .map_or_else(String::new, |h| h.name.clone())
        };
        // The two actions of every block (serving, weights) need no names unless refused.
        let action = match action {
            Action::Serve { hotkey, quality } => {
                if let Some(q) = self.agents.quality.get_mut(hotkey.0 as usize) {
                    let new = quality.clamp(0.0, 1.0);
                    if new.to_bits() != q.to_bits() {
                        *q = new;
                        self.agents.served_totals.quality_set(hotkey);
                    }
                }
                return None;
            }
            Action::SetWeights {
                netuid,
                hotkey,
                weights,
            } => {
                let result = self.set_weights(netuid, hotkey, &weights);
                return result.err().map(|reason| {
                    let ck_name = self.network.ledger.coldkey_name(ck).to_string();
                    let name = hk_name(self, hotkey);
                    let mut row = self.action_row("set_weights", &ck_name, &name, netuid.0);
                    row.amount = weights.len() as u64;
                    row.outcome = reason;
                    row
                });
            }
            other => other,
        };
        let ck_name = self.network.ledger.coldkey_name(ck).to_string();
        match action {
            Action::Serve { .. } | Action::SetWeights { .. } => unreachable!("handled above"),
            Action::RegisterNeuron { netuid, hotkey } => {
                let name = hk_name(self, hotkey);
                let reg = self.register_one_neuron(netuid, &ck_name, &name, Some(hotkey));
                sink.registration(&reg);
                let mut row = self.action_row("register_neuron", &ck_name, &name, netuid.0);
                row.amount = reg.paid;
                row.result = reg.uid.map_or(0, u64::from);
                row.outcome = reg.outcome;
                Some(row)
            }
            Action::RegisterSubnet { hotkey, tempo } => {
                let name = hk_name(self, hotkey);
                let reg = self.register_one_subnet(&ck_name, &name, tempo, None);
                sink.registration(&reg);
                let mut row = self.action_row("register_subnet", &ck_name, &name, reg.netuid);
                row.amount = reg.paid;
                row.result = u64::from(reg.netuid);
                row.outcome = reg.outcome;
                Some(row)
            }
            Action::StartCall { netuid } => {
                let mut row = self.action_row("start_call", &ck_name, "", netuid.0);
                if let Err(e) = start_call(
                    &mut self.network,
                    &self.registration,
                    &self.rules,
                    netuid,
                    &ck_name,
                ) {
                    row.outcome = e.to_string();
                }
                let mut reg = self.registration_row("start_call", netuid.0, &ck_name, "");
                reg.outcome.clone_from(&row.outcome);
                sink.registration(&reg);
                Some(row)
            }
            Action::AddStake { hotkey, .. } | Action::RemoveStake { hotkey, .. }
                if self.network.hotkeys.len() <= hotkey.0 as usize =>
            {
                let kind = if matches!(action, Action::AddStake { .. }) {
                    "add_stake"
                } else {
                    "remove_stake"
                };
                let mut row = self.action_row(kind, &ck_name, "", 0);
                row.outcome = format!("unknown hotkey id {}", hotkey.0);
                Some(row)
            }
            Action::AddStake {
                hotkey,
                netuid,
                tao,
            } => Some(self.stake_by_id(ck, hotkey, netuid, Some(tao), None)),
            Action::RemoveStake {
                hotkey,
                netuid,
                alpha,
            } => Some(self.stake_by_id(ck, hotkey, netuid, None, Some(alpha.map(|a| a.0)))),
            Action::MoveStake { from, to, alpha } => {
                let (from_name, to_name) = (hk_name(self, from.0), hk_name(self, to.0));
                Some(self.move_or_unstake_all(
                    &ck_name,
                    &from_name,
                    Some((from.1, to_name.as_str(), to.1, alpha.map(|a| a.0))),
                ))
            }
            Action::SetHyperparameter { netuid, value } => {
                let mut row = self.action_row("set_hyperparameter", &ck_name, "", netuid.0);
                if let Err(reason) = self.set_hyperparameter(ck, netuid, value) {
                    row.outcome = reason;
                }
                Some(row)
            }
            Action::SetTake { hotkey, take } => {
                let name = hk_name(self, hotkey);
                let mut row = self.action_row("set_take", &ck_name, &name, 0);
                row.amount = u64::from(take);
                if let Err(reason) = self.set_take(ck, hotkey, take) {
                    row.outcome = reason;
                }
                Some(row)
            }
        }
    }

    fn set_weights(
        &mut self,
        netuid: NetUid,
        hotkey: HotkeyId,
        weights: &[(u16, u16)],
    ) -> Result<(), String> {
        let block = self.network.block;
        let tao_weight = self.params.tao_weight;
        // Netuids are unique: the probe at the dense index finds the same subnet as the scan.
        let subnets = &self.network.subnets;
        let guess = usize::from(netuid.0);
        let idx = if subnets.get(guess).is_some_and(|s| s.netuid == netuid) {
            Some(guess)
        } else {
            subnets.iter().position(|s| s.netuid == netuid)
        };
        let idx = idx.ok_or_else(|| format!("MechanismDoesNotExist: no subnet {}", netuid.0))?;
        let (head, tail) = self.network.subnets.split_at_mut(idx);
        let no_pools = BTreeMap::new();
        let root_pools = head
            .first()
            .filter(|r| r.is_root())
            .map_or(&no_pools, |r| &r.pools);
        crate::weights::set_weights(&mut tail[0], root_pools, tao_weight, hotkey, weights, block)
            .map_err(|e| e.to_string())
    }

    /// An owner hyperparameter change: owner origin, the owner rate limit, the chain's bounds.
    fn set_hyperparameter(
        &mut self,
        coldkey: ColdkeyId,
        netuid: NetUid,
        value: Hyperparameter,
    ) -> Result<(), String> {
        let block = self.network.block;
        let subnet = self
            .network
            .subnets
            .iter_mut()
            .find(|s| s.netuid == netuid && !s.is_root())
            .ok_or_else(|| format!("SubnetNotExists: no subnet {}", netuid.0))?;
        if subnet.owner.map(|(c, _)| c) != Some(coldkey) {
            return Err("NotSubnetOwner".into());
        }
        let limit = OWNER_HYPERPARAM_RATE_LIMIT_TEMPOS * u64::from(subnet.clock.tempo);
        let key = (netuid, value.name());
        if let Some(&last) = self.agents.hyper_set_at.get(&key) {
            if block.saturating_sub(last) < limit {
                return Err(format!(
                    "TxRateLimitExceeded: {} last set at block {last}, limit {limit} blocks",
                    value.name()
                ));
            }
        }
        let h = &mut subnet.hyper;
        match value {
            Hyperparameter::Yuma3(on) => h.yuma3 = on,
            Hyperparameter::LiquidAlpha(on) => h.liquid_alpha = on,
            Hyperparameter::BondsMovingAverage(v) => {
                if v > 975_000 {
                    return Err(format!(
                        "BondsMovingAverageMaxReached: {v} above 975000 parts per million"
                    ));
                }
                h.bonds_moving_average = v;
            }
            Hyperparameter::AlphaValues(low, high) => {
                // `do_set_alpha_values`: 1638 <= low <= high.
                if low > high || low < 1_638 {
                    return Err(format!("AlphaLowOutOfRange: low {low}, high {high}"));
                }
                h.alpha_low = low;
                h.alpha_high = high;
            }
            Hyperparameter::ImmunityPeriod(v) => {
                let rules = &self.rules;
                self.registration
                    .per_subnet
                    .entry(netuid)
                    .or_insert_with(|| crate::lifecycle::ops::SubnetRegistration::new_subnet(rules))
                    .immunity_period = v;
            }
        }
        self.agents.hyper_set_at.insert(key, block);
        Ok(())
    }

    /// `increase_take` / `decrease_take` on a hotkey the coldkey owns.
    fn set_take(&mut self, coldkey: ColdkeyId, hotkey: HotkeyId, take: u16) -> Result<(), String> {
        let block = self.network.block;
        let key = self
            .network
            .hotkeys
            .get_mut(hotkey.0 as usize)
            .ok_or("HotKeyAccountNotExists")?;
        if key.owner != coldkey {
            return Err("NonAssociatedColdKey".into());
        }
        if take > MAX_DELEGATE_TAKE {
            return Err(format!(
                "DelegateTakeTooHigh: {take} above {MAX_DELEGATE_TAKE}"
            ));
        }
        if take > key.delegate_take {
            if let Some(&last) = self.agents.take_set_at.get(&hotkey) {
                if block.saturating_sub(last) < TX_DELEGATE_TAKE_RATE_LIMIT {
                    return Err(format!(
                        "DelegateTxRateLimitExceeded: last increase at block {last}"
                    ));
                }
            }
            self.agents.take_set_at.insert(hotkey, block);
        }
        key.delegate_take = take;
        Ok(())
    }

    /// The `neurons` rows of subnet `idx` after its epoch.
    pub(super) fn sample_neurons(&self, idx: usize, sink: &mut dyn TraceSink) {
        let block = self.network.block;
        let time_ms = self.clock.time_of(block);
        let s = &self.network.subnets[idx];
        let nr = &s.neurons;
        for uid in 0..nr.len() {
            let hk = nr.hotkeys()[uid];
            sink.neuron(&NeuronRow {
                block,
                time_ms,
                netuid: s.netuid.0,
                uid: uid as u16,
                hotkey: self.network.hotkeys[hk.0 as usize].name.clone(),
                stake: s.pools.get(&hk).map_or(0, |p| p.value()),
                incentive: nr.incentive[uid],
                dividends: nr.dividends[uid],
                emission: nr.emission[uid],
                validator_permit: nr.validator_permit[uid],
                validator_trust: nr.validator_trust[uid],
                consensus: nr.consensus[uid],
                registered_at: nr.registered_at[uid],
            });
        }
    }

    /// The `positions` rows: every agent coldkey's stake, subnet by subnet, hotkey by hotkey.
    pub(super) fn sample_positions(&self, sink: &mut dyn TraceSink) {
        if self.agents.is_empty() {
            return;
        }
        let block = self.network.block;
        let time_ms = self.clock.time_of(block);
        for s in &self.network.subnets {
            let price = s.spot_price_f64();
            for (hk, pool) in &s.pools {
                for (ck, _) in pool.shares() {
                    let Some(&agent) = self.agents.owner_of.get(ck) else {
                        continue;
                    };
                    let alpha = pool.stake_of(ck);
                    if alpha == 0 {
                        continue;
                    }
                    sink.position(&PositionRow {
                        block,
                        time_ms,
                        agent: self.agents.labels[agent as usize].clone(),
                        coldkey: self.network.ledger.coldkey_name(*ck).to_string(),
                        hotkey: self.network.hotkeys[hk.0 as usize].name.clone(),
                        netuid: s.netuid.0,
                        alpha,
                        tao_value: (alpha as f64 * price) as u64,
                        free_tao: self.network.ledger.free_balance(*ck).0,
                    });
                }
            }
        }
    }
}
