//! Subnet lifecycle: registering a subnet pool and dissolving a subnet (spec 5.2, 5.5).
//!
//! * [`dissolve`]: the payouts of `destroy_alpha_in_out_stakes` when a subnet is dissolved.
//! * [`dtao_migration`]: the dTAO launch's conversion of the pre-dTAO subnets (`migrate_rao`).
//! * [`ops`]: neuron and subnet registration, start call and dissolution on the engine state.

pub mod dissolve;
pub mod dtao_migration;
pub mod ops;

pub use dissolve::{
    destroy_alpha_in_out_stakes, DissolveInput, DissolvePayout, Holder, Portion, ValueSource,
    EXISTENTIAL_DEPOSIT,
};
pub use ops::{
    dissolve_subnet, register_neuron, register_subnet, start_call, DissolveOutcome,
    NeuronRegistered, NeuronRequest, RegistrationRejected, RegistrationState, SubnetRegistered,
    SubnetRegistration,
};
