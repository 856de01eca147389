//! taosim's deterministic engine: chain state, chain mechanics and the block pipeline.
//!
//! No I/O here: values leave through [`trace::TraceSink`]; files, Parquet and charts live in
//! the `reports` and `taosim` (cli) crates.

pub mod agent;
pub mod amm;
pub mod coinbase;
pub mod emission;
pub mod epoch;
pub mod events;
pub mod fixed_div;
pub mod ledger;
pub mod lifecycle;
pub mod network;
pub mod neurons;
pub mod params;
pub mod price;
pub mod registration;
pub mod rng;
pub mod rules;
pub mod schedule;
pub mod served;
pub mod sim;
pub mod stake;
pub mod state;
pub mod subnet;
pub mod time;
pub mod trace;
pub mod units;
pub mod view;
pub mod weights;
pub mod yuma;

pub use units::{Alpha, BlockNumber, ColdkeyId, NetUid, Tao, Uid, RAO_PER_TAO};
