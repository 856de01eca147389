//! Behaviour policies, one a file, and the `[[agents]]` scenario section that configures them
//! (issue "Agents"). Each policy implements [`sim_core::agent::Agent`]: it reads a
//! [`sim_core::view::NetworkView`] and appends actions, drawing only from its own stream.

pub mod dist;
pub mod market;
pub mod miner;
pub mod owner;
pub mod spec;
pub mod staker;
pub mod trader;
pub mod validator;
#[cfg(target_arch = "x86_64")]
mod weights_avx2;

pub use spec::{build, parse, Population, SpecContext, SpecProblem};
