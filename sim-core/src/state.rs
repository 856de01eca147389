//! A run's chain state at a block, saved as a file to start other runs from
//! (`taosim run --save-state`, `[initial] state`).
//!
//! What is saved is the chain's state (balances, pools, stakes, neurons, registration prices and
//! locks, root-claim watermarks, pre-dTAO emission values, the block producer's random stream),
//! not the run around it: rules, parameters, events, agents, recurring flows, the exogenous price
//! path and trace cadences come from the scenario that loads it, and its minted and recycled
//! totals count from its own start. A run of the same rules from a state saved at block B
//! continues exactly as the run that saved it would have.

use crate::lifecycle::ops::RegistrationState;
use crate::network::Network;
use crate::stake::ops::RootClaimedBook;
use crate::time::UnixMillis;
use crate::units::{BlockNumber, NetUid};
use serde::{Deserialize, Serialize};

/// The saved state's format version; files of another version are refused.
pub const STATE_FORMAT: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SavedState {
    pub format: u32,
    /// The state is the state after this block.
    pub block: BlockNumber,
    /// That block's time.
    pub time_ms: UnixMillis,
    pub network: Network,
    pub registration: RegistrationState,
    pub root_claimed: RootClaimedBook,
    /// Pre-dTAO `EmissionValues` (TAO per block per netuid).
    pub emission_values: Vec<(NetUid, u64)>,
    /// The block producer's stream (root auto-claim selection).
    pub block_rng: crate::rng::SimRng,
}

/// A map written as a list of `[key, value]` pairs: JSON object keys must be strings, and some
/// state maps are keyed by tuples.
pub(crate) mod pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer, K: Serialize, V: Serialize>(
        map: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        D: Deserializer<'de>,
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}
