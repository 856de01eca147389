//! `Yuma::run`: the dense path when the epoch's input allows it, the sparse path otherwise.

use super::dense::Dense;
use super::sparse::Sparse;
use super::{EpochInput, EpochOutput};

/// Runs epochs. Holds every buffer an epoch needs, reused by later calls: after the first epoch
/// at a given size, an epoch allocates nothing (tested with a counting allocator).
#[derive(Default)]
pub struct Yuma {
    dense: Dense,
    sparse: Sparse,
    last: Path,
}

/// Which implementation ran the last epoch (read by the differential test).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Path {
    #[default]
    Dense,
    Sparse,
}

impl Yuma {
    /// One epoch (`epoch_mechanism`). Call [`EpochInput::validate`] first on untrusted input.
    ///
    /// Most epochs take the dense path (`dense.rs`); inputs whose stored rows are not strictly
    /// sorted by uid, hold explicit zero weights or duplicate rows, or are too large for a dense
    /// matrix take the sparse path (`sparse.rs`), which follows the chain line by line. Both give
    /// the same bits (the differential test in `yuma/tests.rs`).
    pub fn run(&mut self, input: &EpochInput, out: &mut EpochOutput) {
        if self.dense.run(input, out) {
            self.last = Path::Dense;
        } else {
            self.sparse.run(input, out);
            self.last = Path::Sparse;
        }
    }

    /// Runs the dense path's baseline build even where the AVX2 build would run (`simd.rs`).
    #[cfg(test)]
    pub(super) fn set_portable(&mut self, portable: bool) {
        self.dense.portable = portable;
    }

    #[cfg(test)]
    pub(super) fn last_path(&self) -> Path {
        self.last
    }
}
