//! Yuma consensus epoch (spec section 3). Mirrors `epoch/run_epoch.rs::epoch_mechanism`.
