//! The dense path (placeholder: declines every epoch).

use super::{EpochInput, EpochOutput};

#[derive(Default)]
pub(super) struct Dense {}

impl Dense {
    pub(super) fn run(&mut self, _input: &EpochInput, _out: &mut EpochOutput) -> bool {
        false
    }
}
