//! The whole chain state at one block.

use crate::ledger::Ledger;
use crate::units::{BlockNumber, Tao};

/// Chain state. Subnets, pools and stake join the TAO ledger as the mechanisms are built.
#[derive(Clone, Debug)]
pub struct Network {
    /// The last block processed.
    pub block: BlockNumber,
    pub ledger: Ledger,
    /// `BlockEmission`: the emission computed for the last block processed.
    pub block_emission: Tao,
}

impl Network {
    /// Conservation (spec 1.2): issuance equals the TAO that every holder holds.
    pub fn held_total(&self) -> Tao {
        self.ledger.free_total().saturating_add(self.ledger.unmodelled())
    }
}
