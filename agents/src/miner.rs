//! Miners: a quality that drifts, registration where the expected reward over the immunity
//! period beats the burn, and leaving when pruned or unprofitable.

use crate::dist::{standard_normal, Dist};
use crate::market::{miner_reward_tao, tao};
use sim_core::agent::{Action, Agent, AgentKeys};
use sim_core::neurons::HotkeyId;
use sim_core::rng::SimRng;
use sim_core::subnet::Subnet;
use sim_core::units::{BlockNumber, ColdkeyId, NetUid, Tao};
use sim_core::view::NetworkView;

/// A miner population's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct MinerConfig {
    /// Subnets it may register on (empty: every non-root subnet).
    pub subnets: Vec<NetUid>,
    pub capital_tao: Dist,
    /// Initial quality, clamped to [0, 1].
    pub quality: Dist,
    /// Standard deviation of the quality's random walk per day (7,200 blocks).
    pub quality_drift_per_day: f64,
    /// Blocks between two decisions.
    pub reaction_blocks: Dist,
    /// Register only where reward over the immunity period / burn is at least this.
    pub min_payback: f64,
    /// Running cost, TAO per day: a registered miner whose expected reward falls below it
    /// stops serving (its UID is pruned in time) and looks elsewhere.
    pub cost_tao_per_day: f64,
}

pub struct Miner {
    name: String,
    cfg: MinerConfig,
    capital: Tao,
    quality: f64,
    reaction: u64,
    coldkey: ColdkeyId,
    hotkey: HotkeyId,
    /// Where it is registered (or was, until it sees it was pruned).
    netuid: Option<NetUid>,
    /// Serving stopped: waits to be pruned before registering again.
    idle: bool,
    /// Looks in a row that found no subnet worth its burn: it looks less often (up to 16x its
    /// reaction time), as a discouraged miner would.
    misses: u32,
    last_block: Option<BlockNumber>,
}

impl Miner {
    pub fn new(name: String, cfg: MinerConfig) -> Self {
        Self {
            name,
            cfg,
            capital: Tao::ZERO,
            quality: 0.0,
            reaction: 1,
            coldkey: ColdkeyId(0),
            hotkey: HotkeyId(0),
            netuid: None,
            idle: false,
            misses: 0,
            last_block: None,
        }
    }

    pub fn quality(&self) -> f64 {
        self.quality
    }

    /// The random walk of quality over `blocks`.
    fn drift(&mut self, blocks: u64, rng: &mut SimRng) {
        let sd = self.cfg.quality_drift_per_day * (blocks as f64 / 7_200.0).sqrt();
        self.quality = (self.quality + sd * standard_normal(rng)).clamp(0.0, 1.0);
    }

    /// Expected reward (TAO) on `netuid` over `blocks` for this miner's quality, given the
    /// quality of the UIDs there (its own excluded when it is one of them, `registered`).
    fn expected_reward(
        &self,
        view: &NetworkView,
        netuid: NetUid,
        blocks: u64,
        registered: bool,
    ) -> f64 {
        let mut others = view.served_total(netuid);
        if registered {
            others -= view.quality(self.hotkey);
        }
        let others = others.max(0.0);
        let share = self.quality / (others + self.quality).max(f64::MIN_POSITIVE);
        miner_reward_tao(view, netuid, share, blocks)
    }

    /// The best subnet to register on now, if any pays back its burn.
    pub fn choose_subnet(&self, view: &NetworkView) -> Option<NetUid> {
        let free = tao(view.free_balance(self.coldkey).0);
        let payback = |s: &Subnet, price: Tao, immunity_period: u64| {
            if !s.registration_allowed {
                return None;
            }
            let price = tao(price.0);
            if price > free {
                return None;
            }
            let reward = self.expected_reward(view, s.netuid, immunity_period, false);
            let payback = reward / price.max(1e-9);
            (payback >= self.cfg.min_payback).then_some((payback, s.netuid))
        };
        let better = |a: &(f64, NetUid), b: &(f64, NetUid)| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1));
        // The candidates in netuid order either way, read in place (no list per look).
        let best = if self.cfg.subnets.is_empty() {
            view.registration_terms()
                .filter_map(|(s, price, immunity_period)| payback(s, price, immunity_period))
                .max_by(better)
        } else {
            self.cfg
                .subnets
                .iter()
                .filter_map(|&netuid| {
                    let s = view.subnet(netuid)?;
                    payback(s, view.neuron_price(netuid), view.immunity_period(netuid))
                })
                .max_by(better)
        };
        best.map(|(_, netuid)| netuid)
    }
}

impl Agent for Miner {
    fn kind(&self) -> &'static str {
        "miner"
    }

    fn init(&mut self, rng: &mut SimRng) {
        self.capital = Tao(crate::market::rao(self.cfg.capital_tao.sample(rng)));
        self.quality = self.cfg.quality.sample(rng).clamp(0.0, 1.0);
        self.reaction = self.cfg.reaction_blocks.sample(rng).round().max(1.0) as u64;
    }

    fn keys(&self) -> AgentKeys {
        AgentKeys {
            coldkey: (self.name.clone(), self.capital),
            hotkeys: vec![self.name.clone()],
        }
    }

    fn bind(&mut self, coldkey: ColdkeyId, hotkeys: &[HotkeyId]) {
        self.coldkey = coldkey;
        self.hotkey = hotkeys[0];
    }

    fn act(&mut self, view: &NetworkView, rng: &mut SimRng, out: &mut Vec<Action>) -> BlockNumber {
        let block = view.block();
        let elapsed = self.last_block.map_or(0, |b| block - b);
        self.last_block = Some(block);
        self.drift(elapsed, rng);
        // The UID is looked up once: the view does not change during the act.
        let place = self
            .netuid
            .and_then(|n| view.uid(n, self.hotkey).map(|uid| (n, uid)));
        let registered = place.map(|(n, _)| n);
        if registered.is_none() {
            // Pruned (or never registered): free to look again.
            self.netuid = None;
            self.idle = false;
        }
        match registered {
            Some(netuid) if !self.idle => {
                let per_day = self.expected_reward(view, netuid, 7_200, true);
                let immune = place
                    .and_then(|(_, u)| {
                        view.subnet(netuid)
                            .map(|s| s.neurons.registered_at[usize::from(u)])
                    })
                    .is_some_and(|at| block < at + view.immunity_period(netuid));
                if !immune && per_day < self.cfg.cost_tao_per_day {
                    self.idle = true;
                }
            }
            Some(_) => {}
            None => match self.choose_subnet(view) {
                Some(netuid) => {
                    out.push(Action::RegisterNeuron {
                        netuid,
                        hotkey: self.hotkey,
                    });
                    self.netuid = Some(netuid);
                    self.misses = 0;
                }
                None => self.misses = (self.misses + 1).min(4),
            },
        }
        let serving = if self.idle { 0.0 } else { self.quality };
        out.push(Action::Serve {
            hotkey: self.hotkey,
            quality: serving,
        });
        block + (self.reaction << self.misses)
    }
}
