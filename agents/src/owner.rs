//! Subnet owners: register a subnet when the lock cost is worth its expected owner cut, call
//! start, set hyperparameters, and optionally burn miner emission by giving weight to their own
//! UID (the owner hotkey's incentive is recycled or burned by the chain).

use crate::dist::Dist;
use crate::market::{rao, tao};
use crate::validator::to_u16_weights;
use sim_core::agent::{Action, Agent, AgentKeys, Hyperparameter};
use sim_core::neurons::HotkeyId;
use sim_core::rng::SimRng;
use sim_core::units::{BlockNumber, ColdkeyId, NetUid, Tao};
use sim_core::view::NetworkView;

#[derive(Clone, Debug, PartialEq)]
pub struct OwnerConfig {
    pub capital_tao: Dist,
    pub tempo: u16,
    /// Days of owner cut the lock must pay back.
    pub horizon_days: f64,
    /// Blocks between two looks at the network.
    pub reaction_blocks: Dist,
    /// Hyperparameters set once the subnet is started.
    pub hyperparameters: Vec<Hyperparameter>,
    /// Share of the owner's weights on its own UID (0: plain honest weights; 1: burn all).
    pub burn: f64,
}

pub struct Owner {
    name: String,
    cfg: OwnerConfig,
    capital: Tao,
    reaction: u64,
    coldkey: ColdkeyId,
    hotkey: HotkeyId,
    netuid: Option<NetUid>,
    started: bool,
    configured: bool,
}

impl Owner {
    pub fn new(name: String, cfg: OwnerConfig) -> Self {
        Self {
            name,
            cfg,
            capital: Tao::ZERO,
            reaction: 1,
            coldkey: ColdkeyId(0),
            hotkey: HotkeyId(0),
            netuid: None,
            started: false,
            configured: false,
        }
    }

    /// The owner cut (TAO) an average subnet earns over the horizon: 18 % of its alpha_out
    /// emission valued at its price, averaged over the emitting subnets.
    pub fn expected_owner_tao(&self, view: &NetworkView) -> f64 {
        let emitting: Vec<f64> = view
            .subnets()
            .iter()
            .filter(|s| !s.is_root())
            .map(|s| tao(s.last_emission.owner_cut.0) * s.spot_price_f64())
            .collect();
        if emitting.is_empty() {
            return 0.0;
        }
        let per_block = emitting.iter().sum::<f64>() / emitting.len() as f64;
        per_block * 7_200.0 * self.cfg.horizon_days
    }

    /// Weights of the owner's validator: `burn` on its own UID, the rest by served quality.
    pub fn weights(&self, view: &NetworkView, netuid: NetUid) -> Vec<(u16, u16)> {
        let Some(s) = view.subnet(netuid) else {
            return Vec::new();
        };
        let me = s.neurons.uid_of(self.hotkey);
        let mut scores: Vec<f64> = s
            .neurons
            .hotkeys()
            .iter()
            .map(|hk| {
                if Some(*hk) == Some(self.hotkey) {
                    0.0
                } else {
                    view.quality(*hk)
                }
            })
            .collect();
        let total: f64 = scores.iter().sum();
        if let Some(uid) = me {
            let rest = total.max(f64::MIN_POSITIVE);
            for x in scores.iter_mut() {
                *x *= (1.0 - self.cfg.burn) / rest;
            }
            scores[usize::from(uid)] = self.cfg.burn;
        }
        to_u16_weights(&scores)
    }
}

impl Agent for Owner {
    fn kind(&self) -> &'static str {
        "owner"
    }

    fn init(&mut self, rng: &mut SimRng) {
        self.capital = Tao(rao(self.cfg.capital_tao.sample(rng)));
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

    fn act(&mut self, view: &NetworkView, _: &mut SimRng, out: &mut Vec<Action>) -> BlockNumber {
        let block = view.block();
        let next = block + self.reaction;
        // Which subnet is ours (registration may have dissolved another, or ours was pruned).
        self.netuid = view
            .subnets()
            .iter()
            .find(|s| s.owner.is_some_and(|(c, _)| c == self.coldkey))
            .map(|s| s.netuid);
        let Some(netuid) = self.netuid else {
            self.started = false;
            self.configured = false;
            let lock = tao(view.lock_cost().0);
            let free = tao(view.free_balance(self.coldkey).0);
            if lock <= free && self.expected_owner_tao(view) >= lock {
                out.push(Action::RegisterSubnet {
                    hotkey: self.hotkey,
                    tempo: self.cfg.tempo,
                });
            }
            return next;
        };
        let subnet = view.subnet(netuid).expect("found above");
        if !self.started {
            if subnet.first_emission_block.is_none() {
                out.push(Action::StartCall { netuid });
                return next;
            }
            self.started = true;
        }
        if !self.configured {
            for h in &self.cfg.hyperparameters {
                out.push(Action::SetHyperparameter { netuid, value: *h });
            }
            self.configured = true;
        }
        let weights = self.weights(view, netuid);
        if !weights.is_empty() {
            out.push(Action::SetWeights {
                netuid,
                hotkey: self.hotkey,
                weights,
            });
        }
        next.max(block + u64::from(subnet.clock.tempo))
    }
}
