//! Stakers: nominators that allocate their TAO across subnets (and root) by recent yield, with
//! inertia and a rebalance period, delegating to each subnet's top validator; and whales that
//! enter one subnet at a scheduled block and leave at another.

use crate::dist::Dist;
use crate::market::{rao, staking_yield_per_block, tao, top_validator};
use sim_core::agent::{Action, Agent, AgentKeys};
use sim_core::neurons::HotkeyId;
use sim_core::rng::SimRng;
use sim_core::units::{Alpha, BlockNumber, ColdkeyId, NetUid, Tao};
use sim_core::view::NetworkView;

#[derive(Clone, Debug, PartialEq)]
pub struct StakerConfig {
    /// Candidate subnets (empty: every subnet, root included when `include_root`).
    pub subnets: Vec<NetUid>,
    pub include_root: bool,
    pub capital_tao: Dist,
    /// Blocks between two rebalances.
    pub rebalance_blocks: Dist,
    /// Share of the current allocation kept at each rebalance (0: all moves to the best).
    pub inertia: f64,
    /// Weight of the newest yield reading in the staker's running estimate (1: no memory).
    pub smoothing: f64,
    /// Move only when the best yield beats the current one by this factor.
    pub switch_margin: f64,
}

pub struct Staker {
    name: String,
    cfg: StakerConfig,
    capital: Tao,
    period: u64,
    coldkey: ColdkeyId,
    /// Running yield estimates per candidate subnet.
    estimates: Vec<(NetUid, f64)>,
    /// Where it has staked (hotkey, subnet): the only places it can hold stake, so a rebalance
    /// reads these instead of every pool of every subnet.
    held: Vec<(HotkeyId, NetUid)>,
}

impl Staker {
    pub fn new(name: String, cfg: StakerConfig) -> Self {
        Self {
            name,
            cfg,
            capital: Tao::ZERO,
            period: 1,
            coldkey: ColdkeyId(0),
            estimates: Vec::new(),
            held: Vec::new(),
        }
    }

    fn candidates(&self, view: &NetworkView) -> Vec<NetUid> {
        view.subnets()
            .iter()
            .filter(|s| s.subtoken_enabled || s.is_root())
            .filter(|s| {
                if s.is_root() {
                    self.cfg.include_root
                } else {
                    true
                }
            })
            .map(|s| s.netuid)
            .filter(|n| self.cfg.subnets.is_empty() || self.cfg.subnets.contains(n) || n.0 == 0)
            .collect()
    }

    /// Updates the running yield estimates and returns the best subnet with its estimate.
    pub fn best_subnet(&mut self, view: &NetworkView) -> Option<(NetUid, f64)> {
        let a = self.cfg.smoothing;
        for netuid in self.candidates(view) {
            let y = staking_yield_per_block(view, netuid);
            match self.estimates.iter_mut().find(|(n, _)| *n == netuid) {
                Some((_, e)) => *e = a * y + (1.0 - a) * *e,
                None => self.estimates.push((netuid, y)),
            }
        }
        self.estimates
            .iter()
            .copied()
            .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)))
    }

    fn estimate(&self, netuid: NetUid) -> f64 {
        self.estimates
            .iter()
            .find(|(n, _)| *n == netuid)
            .map_or(0.0, |(_, e)| *e)
    }
}

impl Agent for Staker {
    fn kind(&self) -> &'static str {
        "staker"
    }

    fn init(&mut self, rng: &mut SimRng) {
        self.capital = Tao(rao(self.cfg.capital_tao.sample(rng)));
        self.period = self.cfg.rebalance_blocks.sample(rng).round().max(1.0) as u64;
    }

    fn keys(&self) -> AgentKeys {
        AgentKeys {
            coldkey: (self.name.clone(), self.capital),
            hotkeys: Vec::new(),
        }
    }

    fn bind(&mut self, coldkey: ColdkeyId, _: &[HotkeyId]) {
        self.coldkey = coldkey;
    }

    fn act(&mut self, view: &NetworkView, _: &mut SimRng, out: &mut Vec<Action>) -> BlockNumber {
        let block = view.block();
        let next = block + self.period;
        let Some((best, best_yield)) = self.best_subnet(view) else {
            return next;
        };
        let Some(target) = top_validator(view, best) else {
            return next;
        };
        // Free TAO (keeping a little for fees) goes to the best subnet.
        let free = view.free_balance(self.coldkey).0.saturating_sub(rao(0.01));
        if free > rao(0.1) {
            out.push(Action::AddStake {
                hotkey: target,
                netuid: best,
                tao: Tao(free),
            });
        }
        let mut moved_to_target = false;
        // Positions whose yield trails the best by the margin move a (1 - inertia) share.
        self.held
            .retain(|(hk, netuid)| view.stake(self.coldkey, *hk, *netuid) > 0);
        for &(hk, netuid) in &self.held {
            let alpha = view.stake(self.coldkey, hk, netuid);
            if netuid == best && hk == target {
                continue;
            }
            if self.estimate(netuid) * self.cfg.switch_margin >= best_yield {
                continue;
            }
            let moved = (alpha as f64 * (1.0 - self.cfg.inertia)) as u64;
            let value_tao = tao(moved) * view.subnet(netuid).map_or(0.0, |s| s.spot_price_f64());
            if value_tao < 0.1 {
                continue;
            }
            out.push(Action::MoveStake {
                from: (hk, netuid),
                to: (target, best),
                alpha: Some(Alpha(moved)),
            });
            moved_to_target = true;
        }
        if (free > rao(0.1) || moved_to_target) && !self.held.contains(&(target, best)) {
            self.held.push((target, best));
        }
        next
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct WhaleConfig {
    pub netuid: NetUid,
    pub capital_tao: Dist,
    pub enter_block: BlockNumber,
    pub exit_block: Option<BlockNumber>,
}

/// One large staker: all in at `enter_block`, all out at `exit_block`.
pub struct Whale {
    name: String,
    cfg: WhaleConfig,
    capital: Tao,
    coldkey: ColdkeyId,
    entered: Option<HotkeyId>,
}

impl Whale {
    pub fn new(name: String, cfg: WhaleConfig) -> Self {
        Self {
            name,
            cfg,
            capital: Tao::ZERO,
            coldkey: ColdkeyId(0),
            entered: None,
        }
    }
}

impl Agent for Whale {
    fn kind(&self) -> &'static str {
        "whale"
    }

    fn init(&mut self, rng: &mut SimRng) {
        self.capital = Tao(rao(self.cfg.capital_tao.sample(rng)));
    }

    fn keys(&self) -> AgentKeys {
        AgentKeys {
            coldkey: (self.name.clone(), self.capital),
            hotkeys: Vec::new(),
        }
    }

    fn bind(&mut self, coldkey: ColdkeyId, _: &[HotkeyId]) {
        self.coldkey = coldkey;
    }

    fn first_wake(&self, start_block: BlockNumber) -> BlockNumber {
        self.cfg.enter_block.max(start_block + 1)
    }

    fn act(&mut self, view: &NetworkView, _: &mut SimRng, out: &mut Vec<Action>) -> BlockNumber {
        let block = view.block();
        match self.entered {
            None => {
                let Some(hk) = top_validator(view, self.cfg.netuid) else {
                    return block + 1;
                };
                let tao = view.free_balance(self.coldkey).0.saturating_sub(rao(0.01));
                out.push(Action::AddStake {
                    hotkey: hk,
                    netuid: self.cfg.netuid,
                    tao: Tao(tao),
                });
                self.entered = Some(hk);
                self.cfg
                    .exit_block
                    .map_or(BlockNumber::MAX, |b| b.max(block + 1))
            }
            Some(hk) => {
                out.push(Action::RemoveStake {
                    hotkey: hk,
                    netuid: self.cfg.netuid,
                    alpha: None,
                });
                BlockNumber::MAX
            }
        }
    }
}
