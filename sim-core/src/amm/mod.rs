//! Subnet pools: the AMMs the chain has used (spec section 6).
