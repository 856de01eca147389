//! A run's headline figures, saved as `headline.json` beside its trace: what sweeps and
//! reports summarise across runs without reading every trace.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Headline figures of one run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Headline {
    pub scenario_name: String,
    pub seed: u64,
    /// Inputs a Monte Carlo sweep drew for this run (`taosim sweep --draw`), by scenario key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub drawn: BTreeMap<String, f64>,
    pub start_block: u64,
    pub end_block: u64,
    pub start_total_issuance: u64,
    pub final_total_issuance: u64,
    pub minted: u64,
    pub recycled_total: u64,
    /// Recycled rao by reason (reasons with a non-zero total).
    pub recycled: BTreeMap<String, u64>,
    pub halvings: Vec<HalvingHeadline>,
    /// Subnets' alpha halvings reached during the run, in order.
    #[serde(default)]
    pub alpha_halvings: Vec<AlphaHalvingHeadline>,
    /// The exogenous TAO/USD price at the end, when the scenario has a price path.
    #[serde(default)]
    pub final_tao_usd: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct HalvingHeadline {
    pub halvings: u32,
    pub block: u64,
    pub time_ms: i64,
    pub date: String,
    /// Recycled rao by reason from the start to this halving (reasons with a non-zero total).
    #[serde(default)]
    pub recycled: BTreeMap<String, u64>,
}

/// A subnet's alpha halving: the first block minting its alpha at the halved rate.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AlphaHalvingHeadline {
    pub netuid: u16,
    pub halvings: u32,
    pub block: u64,
    pub time_ms: i64,
    pub date: String,
}
