//! The whole chain state at one block.

use crate::ledger::Ledger;
use crate::neurons::Hotkey;
use crate::subnet::Subnet;
use crate::units::{BlockNumber, Tao};

/// Chain state.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Network {
    /// The last block processed.
    pub block: BlockNumber,
    pub ledger: Ledger,
    /// `BlockEmission`: the emission computed for the last block processed.
    pub block_emission: Tao,
    /// Modelled subnets in netuid order; the root subnet (netuid 0), when modelled, is first.
    pub subnets: Vec<Subnet>,
    /// Modelled hotkeys, indexed by [`crate::neurons::HotkeyId`].
    pub hotkeys: Vec<Hotkey>,
}

impl Network {
    /// TAO in subnet pools (`SubnetTAO`, root included), locks and subnet accounts.
    pub fn pools_and_locks(&self) -> Tao {
        Tao(self
            .subnets
            .iter()
            .map(|s| s.tao_held())
            .fold(0u64, u64::saturating_add))
    }

    /// Conservation (spec 1.2): issuance equals the TAO that every holder holds.
    pub fn held_total(&self) -> Tao {
        self.ledger
            .free_total()
            .saturating_add(self.ledger.unmodelled())
            .saturating_add(self.pools_and_locks())
    }
}
