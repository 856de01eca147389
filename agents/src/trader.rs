//! Traders: momentum (buy what rose over the window, sell what fell) or mean reversion (buy
//! below the moving price, sell above it) on one subnet's alpha, within a position limit.

use crate::dist::Dist;
use crate::market::{rao, tao, top_validator};
use sim_core::agent::{Action, Agent, AgentKeys};
use sim_core::neurons::HotkeyId;
use sim_core::rng::SimRng;
use sim_core::units::{Alpha, BlockNumber, ColdkeyId, NetUid, Tao};
use sim_core::view::NetworkView;
use std::collections::VecDeque;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraderStyle {
    Momentum,
    MeanReversion,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TraderConfig {
    pub style: TraderStyle,
    /// The subnet this trader trades (the population spreads over its subnets in turn).
    pub netuid: NetUid,
    pub capital_tao: Dist,
    /// Momentum: the look-back, in blocks.
    pub window_blocks: u64,
    /// Relative price move (momentum) or gap to the moving price (mean reversion) that
    /// triggers a trade.
    pub threshold: f64,
    pub trade_tao: f64,
    /// Largest position, valued at the spot price, TAO.
    pub max_position_tao: f64,
    pub reaction_blocks: Dist,
}

/// A trade decision.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Signal {
    Buy,
    Sell,
    Hold,
}

pub struct Trader {
    name: String,
    cfg: TraderConfig,
    capital: Tao,
    reaction: u64,
    coldkey: ColdkeyId,
    /// (block, spot price) readings inside the window.
    history: VecDeque<(BlockNumber, f64)>,
    /// The validator its alpha is staked on.
    hotkey: Option<HotkeyId>,
}

impl Trader {
    pub fn new(name: String, cfg: TraderConfig) -> Self {
        Self {
            name,
            cfg,
            capital: Tao::ZERO,
            reaction: 1,
            coldkey: ColdkeyId(0),
            history: VecDeque::new(),
            hotkey: None,
        }
    }

    /// The decision rule on a price reading.
    pub fn signal(&mut self, block: BlockNumber, price: f64, moving_price: f64) -> Signal {
        self.history.push_back((block, price));
        while self
            .history
            .front()
            .is_some_and(|(b, _)| block - b > self.cfg.window_blocks)
        {
            self.history.pop_front();
        }
        let reference = match self.cfg.style {
            TraderStyle::Momentum => self.history.front().map_or(price, |(_, p)| *p),
            TraderStyle::MeanReversion => moving_price,
        };
        if reference <= 0.0 {
            return Signal::Hold;
        }
        let change = price / reference - 1.0;
        let th = self.cfg.threshold;
        match self.cfg.style {
            TraderStyle::Momentum if change > th => Signal::Buy,
            TraderStyle::Momentum if change < -th => Signal::Sell,
            TraderStyle::MeanReversion if change < -th => Signal::Buy,
            TraderStyle::MeanReversion if change > th => Signal::Sell,
            _ => Signal::Hold,
        }
    }
}

impl Agent for Trader {
    fn kind(&self) -> &'static str {
        "trader"
    }

    fn init(&mut self, rng: &mut SimRng) {
        self.capital = Tao(rao(self.cfg.capital_tao.sample(rng)));
        self.reaction = self.cfg.reaction_blocks.sample(rng).round().max(1.0) as u64;
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
        let next = block + self.reaction;
        let netuid = self.cfg.netuid;
        let Some(s) = view.subnet(netuid) else {
            return next;
        };
        let price = s.spot_price_f64();
        let signal = self.signal(block, price, s.moving_price_f64());
        let Some(hk) = self.hotkey.or_else(|| top_validator(view, netuid)) else {
            return next;
        };
        self.hotkey = Some(hk);
        let held = view.stake(self.coldkey, hk, netuid);
        let position_tao = tao(held) * price;
        match signal {
            Signal::Buy => {
                let room = self.cfg.max_position_tao - position_tao;
                let free = tao(view.free_balance(self.coldkey).0) - 0.01;
                let amount = self.cfg.trade_tao.min(room).min(free);
                if amount >= 0.01 {
                    out.push(Action::AddStake {
                        hotkey: hk,
                        netuid,
                        tao: Tao(rao(amount)),
                    });
                }
            }
            Signal::Sell if held > 0 => {
                let alpha = if price > 0.0 {
                    (rao(self.cfg.trade_tao) as f64 / price) as u64
                } else {
                    held
                };
                out.push(Action::RemoveStake {
                    hotkey: hk,
                    netuid,
                    alpha: Some(Alpha(alpha.min(held))),
                });
            }
            _ => {}
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trader(style: TraderStyle) -> Trader {
        Trader::new(
            "t".into(),
            TraderConfig {
                style,
                netuid: NetUid(1),
                capital_tao: Dist::Constant(10.0),
                window_blocks: 100,
                threshold: 0.05,
                trade_tao: 1.0,
                max_position_tao: 5.0,
                reaction_blocks: Dist::Constant(10.0),
            },
        )
    }

    #[test]
    fn momentum_follows_the_move_over_the_window() {
        let mut t = trader(TraderStyle::Momentum);
        assert_eq!(t.signal(0, 1.0, 1.0), Signal::Hold);
        assert_eq!(t.signal(50, 1.04, 1.0), Signal::Hold);
        assert_eq!(t.signal(100, 1.06, 1.0), Signal::Buy);
        // The reading of block 0 leaves the window: the reference is now 1.04.
        assert_eq!(t.signal(150, 0.97, 1.0), Signal::Sell);
    }

    #[test]
    fn mean_reversion_trades_against_the_gap_to_the_moving_price() {
        let mut t = trader(TraderStyle::MeanReversion);
        assert_eq!(t.signal(0, 0.9, 1.0), Signal::Buy);
        assert_eq!(t.signal(10, 1.1, 1.0), Signal::Sell);
        assert_eq!(t.signal(20, 1.02, 1.0), Signal::Hold);
    }
}
