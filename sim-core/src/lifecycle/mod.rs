//! Subnet lifecycle: registering a subnet pool and dissolving a subnet (spec 5.2, 5.5).
//!
//! * [`dissolve`]: the payouts of `destroy_alpha_in_out_stakes` when a subnet is dissolved.

pub mod dissolve;

pub use dissolve::{
    destroy_alpha_in_out_stakes, DissolveInput, DissolvePayout, Holder, Portion, ValueSource,
    EXISTENTIAL_DEPOSIT,
};
