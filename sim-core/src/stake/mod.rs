//! Stake: per-hotkey share pools of nominators (spec 6.5) and staking operations (spec 6.4).
