//! The agent interface (house rule 8): a policy reads a [`NetworkView`] and appends [`Action`]s;
//! the engine applies each one as the chain would, or records why the chain refuses it.
//!
//! Agents own their keys: before the run each declares a coldkey with its starting balance and
//! the hotkeys it will use ([`AgentKeys`]); the engine creates them and hands back their ids
//! ([`Agent::bind`]), so actions name keys by id and no action needs a name lookup.
//!
//! An agent is woken at the block it asked for (its reaction speed); agents woken in the same
//! block act in their scenario order, and each one's actions are applied before the next agent
//! looks at the network, as extrinsics in one block are.

use crate::neurons::HotkeyId;
use crate::rng::SimRng;
use crate::units::{Alpha, BlockNumber, ColdkeyId, NetUid, Tao};
use crate::view::NetworkView;

/// The keys an agent needs, declared once before the run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentKeys {
    /// The coldkey's name (unique in the run) and its free balance at the start.
    pub coldkey: (String, Tao),
    /// Hotkey names (unique in the run), owned by the coldkey.
    pub hotkeys: Vec<String>,
}

/// A subnet hyperparameter the owner may set (`sudo_set_*` with owner origin).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hyperparameter {
    Yuma3(bool),
    LiquidAlpha(bool),
    /// Parts per million, at most 975,000 (`BondsMovingAverage`, capped by migration).
    BondsMovingAverage(u64),
    /// `(alpha_low, alpha_high)` for liquid alpha.
    AlphaValues(u16, u16),
    ImmunityPeriod(u16),
}

impl Hyperparameter {
    pub fn name(self) -> &'static str {
        match self {
            Hyperparameter::Yuma3(_) => "yuma3",
            Hyperparameter::LiquidAlpha(_) => "liquid_alpha",
            Hyperparameter::BondsMovingAverage(_) => "bonds_moving_average",
            Hyperparameter::AlphaValues(..) => "alpha_values",
            Hyperparameter::ImmunityPeriod(_) => "immunity_period",
        }
    }
}

/// What an agent can do. On-chain actions are extrinsics, checked against the chain's rules;
/// [`Action::Serve`] is the off-chain work that validators observe.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `burned_register` of `hotkey` on `netuid`.
    RegisterNeuron { netuid: NetUid, hotkey: HotkeyId },
    /// `set_weights`: (uid, value) pairs; values are max-upscaled as the chain does.
    SetWeights {
        netuid: NetUid,
        hotkey: HotkeyId,
        weights: Vec<(u16, u16)>,
    },
    /// `add_stake` of `tao` on `hotkey` on `netuid`.
    AddStake {
        hotkey: HotkeyId,
        netuid: NetUid,
        tao: Tao,
    },
    /// `remove_stake` of `alpha` (all of the position when `None`).
    RemoveStake {
        hotkey: HotkeyId,
        netuid: NetUid,
        alpha: Option<Alpha>,
    },
    /// `move_stake` of `alpha` (all when `None`) from one (hotkey, subnet) to another.
    MoveStake {
        from: (HotkeyId, NetUid),
        to: (HotkeyId, NetUid),
        alpha: Option<Alpha>,
    },
    /// `register_network` with `hotkey` as the owner hotkey.
    RegisterSubnet { hotkey: HotkeyId, tempo: u16 },
    /// `start_call` on a subnet the agent owns.
    StartCall { netuid: NetUid },
    /// An owner hyperparameter change.
    SetHyperparameter {
        netuid: NetUid,
        value: Hyperparameter,
    },
    /// `decrease_take` / `increase_take` on the agent's hotkey (u16 / 65535).
    SetTake { hotkey: HotkeyId, take: u16 },
    /// Off-chain: the hotkey now serves work of this quality (0..1), seen by validators.
    Serve { hotkey: HotkeyId, quality: f64 },
}

/// One agent of a run: its policy and where it comes from (its population and its index
/// there), which names its random stream ([`crate::rng::agent_stream`]) and its rows in traces.
pub struct AgentSlot {
    pub population: String,
    pub member: u32,
    pub agent: Box<dyn Agent>,
}

/// A behaviour policy.
pub trait Agent {
    /// A short name of the policy (`miner`, `validator`, ...), for traces.
    fn kind(&self) -> &'static str;

    /// Draws the agent's own traits (quality, capital, ...) from its stream, once, before
    /// [`Agent::keys`].
    fn init(&mut self, _rng: &mut SimRng) {}

    /// The keys to create before the run.
    fn keys(&self) -> AgentKeys;

    /// The ids of the keys declared by [`Agent::keys`], in the same order.
    fn bind(&mut self, coldkey: ColdkeyId, hotkeys: &[HotkeyId]);

    /// The first block at which the agent wants to act.
    fn first_wake(&self, start_block: BlockNumber) -> BlockNumber {
        start_block + 1
    }

    /// Decides at `view.block()`: appends actions to `out` (applied in order) and returns the
    /// next block at which to wake (later than now). Every random draw comes from `rng`, the
    /// agent's own stream.
    fn act(&mut self, view: &NetworkView, rng: &mut SimRng, out: &mut Vec<Action>) -> BlockNumber;
}
