//! The push interface through which every observed value leaves the core (house rule 7).
//!
//! The engine builds one row at a time and hands it to a [`TraceSink`]; the `reports` crate
//! buffers rows into columns and writes Parquet. Tests use [`MemorySink`].

use crate::ledger::RecycleReason;
use crate::time::UnixMillis;
use crate::units::BlockNumber;

/// One sample of the `network` table. Amounts in rao; `recycled` is cumulative since the start,
/// in [`RecycleReason::ALL`] order.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkRow {
    pub block: BlockNumber,
    pub time_ms: UnixMillis,
    pub total_issuance: u64,
    /// Emission of this block (the last block processed), before the halving that block may trigger.
    pub block_emission: u64,
    /// Halvings in force (0 before 10.5M TAO).
    pub halvings: u32,
    pub minted: u64,
    pub recycled_total: u64,
    pub recycled: [u64; RecycleReason::COUNT],
    pub free_balances: u64,
    pub unmodelled: u64,
    /// TAO in subnet pools (root included), locks and subnet accounts.
    pub pools_and_locks: u64,
    /// `SubnetTAO[0]`: all root stake (0 when root is not modelled).
    pub root_stake: u64,
    /// TAO in the non-root subnet pools.
    pub subnet_tao: u64,
    /// Cumulative since the start: TAO injected into pools as liquidity.
    pub tao_injected: u64,
    /// Cumulative since the start: TAO spent by the chain buys of excess emission.
    pub tao_chain_bought: u64,
    /// Cumulative since the start: epochs run.
    pub epochs: u64,
    /// Cumulative since the start: alpha paid out at epochs.
    pub alpha_paid: u64,
    /// The exogenous TAO/USD price, when the scenario has a price path.
    pub tao_usd: Option<f64>,
}

/// One sample of the `subnets` table: one subnet at one block. Amounts in rao; prices are
/// TAO per alpha as f64, for reading (the state keeps the chain's fixed-point values).
#[derive(Clone, Debug, PartialEq)]
pub struct SubnetRow {
    pub block: BlockNumber,
    pub time_ms: UnixMillis,
    pub netuid: u16,
    pub tao_reserve: u64,
    pub alpha_in: u64,
    pub alpha_out: u64,
    pub protocol_alpha: u64,
    pub alpha_issuance: u64,
    pub spot_price: f64,
    pub moving_price: f64,
    pub pending_server: u64,
    pub pending_validator: u64,
    pub pending_root: u64,
    pub pending_owner_cut: u64,
    /// The subnet's share of the last block's TAO (0 outside the emit set).
    pub emission_share: f64,
    /// The last block's figures (`SubnetTaoInEmission`, `SubnetAlphaInEmission`, ...), rao.
    pub tao_emission: u64,
    pub tao_in: u64,
    pub alpha_in_emission: u64,
    pub alpha_out_emission: u64,
    pub excess_tao: u64,
    pub owner_cut: u64,
    pub root_alpha: u64,
    pub root_proportion: f64,
    /// Halvings of the subnet's alpha emission so far (from its alpha issuance).
    pub alpha_halvings: u32,
    /// Outstanding alpha held by stakers not modelled one by one.
    pub alpha_staked: u64,
}

/// One row of the `registrations` table: a neuron or subnet registration, a start call or a
/// dissolution, accepted or rejected.
#[derive(Clone, Debug, PartialEq)]
pub struct RegistrationRow {
    pub block: BlockNumber,
    pub time_ms: UnixMillis,
    /// `neuron`, `subnet`, `start_call` or `dissolve`.
    pub kind: &'static str,
    pub netuid: u16,
    /// The UID taken (neurons; the owner's UID 0 for subnets).
    pub uid: Option<u16>,
    pub coldkey: String,
    pub hotkey: String,
    /// The price or lock cost at the registration, rao.
    pub price: u64,
    /// What left the coldkey, rao.
    pub paid: u64,
    /// The hotkey whose UID was replaced (neurons on a full subnet), or the netuid dissolved to
    /// make room (subnets).
    pub replaced: Option<String>,
    /// TAO recycled by this action, rao.
    pub recycled: u64,
    /// `ok`, or why the chain would refuse it.
    pub outcome: String,
}

/// One row of the `actions` table: an extrinsic of a scenario event or an agent, executed or
/// refused.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionRow {
    pub block: BlockNumber,
    pub time_ms: UnixMillis,
    /// The agent (`population#member`); `None` for scenario events.
    pub agent: Option<String>,
    /// The extrinsic: `add_stake`, `remove_stake`, `move_stake`, `unstake_all`,
    /// `register_neuron`, `register_subnet`, `start_call`, `set_weights`, `set_hyperparameter`,
    /// `set_take`.
    pub kind: &'static str,
    pub coldkey: String,
    pub hotkey: String,
    pub netuid: u16,
    /// TAO paid in (add) or alpha requested (remove), rao.
    pub amount: u64,
    /// Alpha staked (add) or TAO received (remove), rao.
    pub result: u64,
    /// Fees in TAO, rao.
    pub fee_tao: u64,
    /// `ok`, or why the chain would refuse it.
    pub outcome: String,
}

/// One row of the `neurons` table: a UID after its subnet's epoch (the stored u16 forms).
#[derive(Clone, Debug, PartialEq)]
pub struct NeuronRow {
    pub block: BlockNumber,
    pub time_ms: UnixMillis,
    pub netuid: u16,
    pub uid: u16,
    pub hotkey: String,
    /// Alpha staked on the hotkey on this subnet, rao.
    pub stake: u64,
    pub incentive: u16,
    pub dividends: u16,
    /// Alpha emitted to the UID by this epoch, rao.
    pub emission: u64,
    pub validator_permit: bool,
    pub validator_trust: u16,
    pub consensus: u16,
    pub registered_at: BlockNumber,
}

/// One row of the `positions` table: an agent's stake on one hotkey on one subnet.
#[derive(Clone, Debug, PartialEq)]
pub struct PositionRow {
    pub block: BlockNumber,
    pub time_ms: UnixMillis,
    /// The agent (`population#member`).
    pub agent: String,
    pub coldkey: String,
    pub hotkey: String,
    pub netuid: u16,
    /// Alpha held (TAO on root), rao.
    pub alpha: u64,
    /// Its value at the spot price, rao of TAO.
    pub tao_value: u64,
    /// The coldkey's free balance at the same block (repeated on each of its rows), rao.
    pub free_tao: u64,
}

/// A consumer of trace rows. Sinks buffer and report their own I/O errors when finished.
pub trait TraceSink {
    fn network(&mut self, row: &NetworkRow);
    fn subnet(&mut self, row: &SubnetRow);
    fn registration(&mut self, row: &RegistrationRow);
    fn action(&mut self, row: &ActionRow);
    fn neuron(&mut self, row: &NeuronRow);
    fn position(&mut self, row: &PositionRow);
}

/// Drops everything: for benchmarks of the mechanics alone.
pub struct NullSink;

impl TraceSink for NullSink {
    fn network(&mut self, _: &NetworkRow) {}
    fn subnet(&mut self, _: &SubnetRow) {}
    fn registration(&mut self, _: &RegistrationRow) {}
    fn action(&mut self, _: &ActionRow) {}
    fn neuron(&mut self, _: &NeuronRow) {}
    fn position(&mut self, _: &PositionRow) {}
}

/// Keeps every row in memory: for tests.
#[derive(Default, Debug)]
pub struct MemorySink {
    pub network: Vec<NetworkRow>,
    pub subnets: Vec<SubnetRow>,
    pub registrations: Vec<RegistrationRow>,
    pub actions: Vec<ActionRow>,
    pub neurons: Vec<NeuronRow>,
    pub positions: Vec<PositionRow>,
}

impl TraceSink for MemorySink {
    fn network(&mut self, row: &NetworkRow) {
        self.network.push(row.clone());
    }
    fn subnet(&mut self, row: &SubnetRow) {
        self.subnets.push(row.clone());
    }
    fn registration(&mut self, row: &RegistrationRow) {
        self.registrations.push(row.clone());
    }
    fn action(&mut self, row: &ActionRow) {
        self.actions.push(row.clone());
    }
    fn neuron(&mut self, row: &NeuronRow) {
        self.neurons.push(row.clone());
    }
    fn position(&mut self, row: &PositionRow) {
        self.positions.push(row.clone());
    }
}
