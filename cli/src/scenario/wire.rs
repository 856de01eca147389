//! Stage 1: the scenario file exactly as written. Unknown keys are errors; nothing is
//! interpreted here beyond TOML types.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<u64>,
    /// Blocks to simulate after the start block.
    pub blocks: Option<u64>,
    /// Required unless `[initial] state` gives the start.
    pub start: Option<WireStart>,
    pub rules: Option<WireRules>,
    pub time: Option<WireTime>,
    pub trace: Option<WireTrace>,
    pub initial: Option<WireInitial>,
    pub price: Option<WirePrice>,
    pub params: Option<toml::Table>,
    #[serde(default)]
    pub accounts: Vec<WireAccount>,
    #[serde(default)]
    pub recycling: Vec<WireRecycling>,
    #[serde(default)]
    pub events: Vec<WireEvent>,
    /// `[[agents]]`: populations of behaviour policies, checked by the `agents` crate.
    #[serde(default)]
    pub agents: Vec<toml::Table>,
    #[serde(default)]
    pub registration_demand: Vec<WireDemand>,
}

/// `[[registration_demand]]`: a recurring, price-elastic neuron registration demand.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireDemand {
    pub from_block: Option<u64>,
    pub until_block: Option<u64>,
    pub first_netuid: Option<u64>,
    pub last_netuid: Option<u64>,
    pub burn_at_target_min: WireAmount,
    pub burn_at_target_max: WireAmount,
    pub elasticity: Option<WireNumber>,
    pub scale: Option<WireNumber>,
    pub adjustment_interval: Option<u64>,
    pub target_registrations: Option<u64>,
    pub adjustment_alpha: Option<WireNumber>,
    pub start_at_reference: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireStart {
    pub block: u64,
    pub date: String,
    pub total_issuance: WireAmount,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRules {
    pub era: Option<String>,
    pub emission_split: Option<String>,
    pub amm: Option<String>,
    pub injection: Option<String>,
    pub root_dividends: Option<String>,
    pub neuron_burn: Option<String>,
    pub lock_handling: Option<String>,
    pub epoch_schedule: Option<String>,
    pub moving_price: Option<String>,
    pub fee_destination: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireTime {
    pub block_seconds: Option<WireNumber>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireTrace {
    pub network_every: Option<u64>,
    pub subnets_every: Option<u64>,
    pub neurons_every: Option<u64>,
    pub positions_every: Option<u64>,
}

/// `[price]`: an exogenous TAO/USD price path.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WirePrice {
    /// `constant`, `gbm` or `csv`.
    pub model: String,
    pub tao_usd: Option<WireNumber>,
    pub drift_per_year: Option<WireNumber>,
    pub volatility_per_year: Option<WireNumber>,
    pub step_blocks: Option<u64>,
    /// For `csv`: a file with a header and rows `YYYY-MM-DD,price`, relative to the scenario.
    pub csv: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireInitial {
    /// A saved chain state (`taosim run --save-state`), relative to the scenario file: the
    /// start block, date, issuance, accounts, subnets, stakes and neurons.
    pub state: Option<String>,
    /// A subnet snapshot CSV, relative to the scenario file.
    pub subnets_snapshot: Option<String>,
    /// Root stake (`SubnetTAO[0]`), when no snapshot gives the root subnet.
    pub root_stake: Option<WireAmount>,
    /// A run of identical new subnets (e.g. the dTAO launch's 1 TAO : 1 alpha pools).
    pub uniform_subnets: Option<WireUniformSubnets>,
    /// Pre-dTAO root validators: their root stake and weights over netuids.
    #[serde(default)]
    pub root_validators: Vec<WireRootValidator>,
    /// Per-subnet Yuma hyperparameters over the defaults.
    #[serde(default)]
    pub hyperparameters: Vec<WireHyperparameters>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireHyperparameters {
    pub netuid: u64,
    pub yuma3: Option<bool>,
    pub liquid_alpha: Option<bool>,
    /// Parts per million (at most 975,000).
    pub bonds_moving_average: Option<u64>,
    /// u16 fraction of 65,535.
    pub kappa: Option<u64>,
    /// TAO of stake weight a validator needs to set weights.
    pub stake_threshold: Option<WireAmount>,
    pub max_allowed_validators: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRootValidator {
    pub coldkey: String,
    pub hotkey: String,
    pub stake: WireAmount,
    /// netuid -> relative weight (0..65535).
    pub weights: toml::Table,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireUniformSubnets {
    pub count: u64,
    pub first_netuid: Option<u64>,
    pub tao: WireAmount,
    pub alpha_in: WireAmount,
    pub alpha_out: Option<WireAmount>,
    pub tempo: Option<u64>,
    pub moving_price: Option<WireNumber>,
    /// Stake weight (TAO) a validator needs to set weights, on every one of these subnets.
    pub stake_threshold: Option<WireAmount>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireAccount {
    pub coldkey: String,
    pub balance: WireAmount,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRecycling {
    pub reason: String,
    pub tao_per_day: WireAmount,
    pub from: Option<String>,
    pub from_block: Option<u64>,
    pub until_block: Option<u64>,
}

/// One `[[events]]` entry. All kinds share one flat table so that a key that does not belong
/// to the kind gets a precise error in stage 2.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireEvent {
    pub at_block: u64,
    pub kind: String,
    pub amount: Option<WireAmount>,
    pub reason: Option<String>,
    pub from: Option<String>,
    pub param: Option<String>,
    pub value: Option<toml::Value>,
    pub era: Option<String>,
    pub rule: Option<String>,
    pub variant: Option<String>,
    pub hours: Option<WireNumber>,
    pub block_seconds: Option<WireNumber>,
    pub netuid: Option<u64>,
    pub count: Option<u64>,
    pub coldkey: Option<String>,
    pub hotkey: Option<String>,
    pub tempo: Option<u64>,
    pub to_hotkey: Option<String>,
    pub to_netuid: Option<u64>,
}

/// A TAO amount: an integer or decimal number of TAO, or a string ("1.5", "1.5 TAO", "250 rao").
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum WireAmount {
    Int(i64),
    Float(f64),
    Text(String),
}

/// A plain number (integer or decimal).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
pub enum WireNumber {
    Int(i64),
    Float(f64),
}
