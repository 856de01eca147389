//! Subnet lifecycle: registering a subnet pool and dissolving a subnet (spec 5.2, 5.5).
