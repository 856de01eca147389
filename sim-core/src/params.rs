//! Global chain parameters a scenario may set at the start or change at a block.
//!
//! Defaults are the chain's (spec section 8); the valid ranges are the chain's own bounds
//! where it has them, else what keeps the mechanics meaningful.

use serde::Serialize;

/// Global parameters (per-subnet hyperparameters live with each subnet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Params {
    /// `TaoWeight` as raw u64 (value / u64::MAX); 0.18 since the dTAO launch migration.
    pub tao_weight: u64,
    /// `SubnetOwnerCut` (u16 / 65535), default 11,796 = 18 %.
    pub subnet_owner_cut: u16,
    /// `NetworkMinLockCost` in rao.
    pub network_min_lock: u64,
    /// `NetworkLockReductionInterval` in blocks (on-chain 57,600).
    pub network_lock_reduction_interval: u64,
    /// `NetworkRateLimit` in blocks between subnet registrations (on-chain 28,800).
    pub network_rate_limit: u64,
    /// `SubnetLimit`: subnets excluding root.
    pub subnet_limit: u16,
    /// `MaxEpochsPerBlock` (current epoch schedule).
    pub max_epochs_per_block: u16,
    /// `DefaultMinStake` in rao.
    pub default_min_stake: u64,
    /// `SubnetMovingAlpha` as I96F32 bits (value x 2^32); 12,885 = 3.0e-6 (`DefaultMovingAlpha`).
    pub subnet_moving_alpha: u64,
}

/// TaoWeight 0.18 as set by `migrate_rao` (spec 6.6).
pub const TAO_WEIGHT_018: u64 = 3_320_413_933_267_719_290;

impl Default for Params {
    fn default() -> Self {
        Self {
            tao_weight: TAO_WEIGHT_018,
            subnet_owner_cut: 11_796,
            network_min_lock: 1_000 * crate::RAO_PER_TAO,
            network_lock_reduction_interval: 57_600,
            network_rate_limit: 28_800,
            subnet_limit: 128,
            max_epochs_per_block: 2,
            default_min_stake: 2_000_000,
            subnet_moving_alpha: 12_885,
        }
    }
}

/// A parameter's name in scenario files, and the rule its values must follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    pub name: &'static str,
    pub min: u64,
    pub max: u64,
    pub doc: &'static str,
}

pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "tao_weight",
        min: 0,
        max: u64::MAX,
        doc: "raw u64, value / u64::MAX",
    },
    ParamSpec {
        name: "subnet_owner_cut",
        min: 0,
        max: 65_535,
        doc: "u16, value / 65535",
    },
    ParamSpec {
        name: "network_min_lock",
        min: 0,
        max: u64::MAX,
        doc: "rao",
    },
    ParamSpec {
        name: "network_lock_reduction_interval",
        min: 1,
        max: u64::MAX,
        doc: "blocks",
    },
    ParamSpec {
        name: "network_rate_limit",
        min: 0,
        max: u64::MAX,
        doc: "blocks",
    },
    ParamSpec {
        name: "subnet_limit",
        min: 1,
        max: 4_095,
        doc: "subnets excluding root",
    },
    ParamSpec {
        name: "max_epochs_per_block",
        min: 1,
        max: 65_535,
        doc: "epochs",
    },
    ParamSpec {
        name: "default_min_stake",
        min: 0,
        max: u64::MAX,
        doc: "rao",
    },
    ParamSpec {
        name: "subnet_moving_alpha",
        min: 0,
        max: 1 << 32,
        doc: "I96F32 bits, value x 2^32 (12885 = 3e-6)",
    },
];

impl Params {
    pub fn spec(name: &str) -> Option<&'static ParamSpec> {
        PARAMS.iter().find(|p| p.name == name)
    }

    /// Sets a parameter by its scenario name; the value must lie in the spec's range.
    pub fn set(&mut self, name: &str, value: u64) -> Result<(), String> {
        let spec = Self::spec(name).ok_or_else(|| {
            let known: Vec<&str> = PARAMS.iter().map(|p| p.name).collect();
            format!("unknown parameter `{name}` (known: {})", known.join(", "))
        })?;
        if value < spec.min || value > spec.max {
            return Err(format!(
                "{name} = {value}: must be between {} and {} ({})",
                spec.min, spec.max, spec.doc
            ));
        }
        match name {
            "tao_weight" => self.tao_weight = value,
            "subnet_owner_cut" => self.subnet_owner_cut = value as u16,
            "network_min_lock" => self.network_min_lock = value,
            "network_lock_reduction_interval" => self.network_lock_reduction_interval = value,
            "network_rate_limit" => self.network_rate_limit = value,
            "subnet_limit" => self.subnet_limit = value as u16,
            "max_epochs_per_block" => self.max_epochs_per_block = value as u16,
            "default_min_stake" => self.default_min_stake = value,
            "subnet_moving_alpha" => self.subnet_moving_alpha = value,
            _ => unreachable!("every name in PARAMS is handled"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_checks_name_and_range() {
        let mut p = Params::default();
        p.set("subnet_owner_cut", 0).unwrap();
        assert_eq!(p.subnet_owner_cut, 0);
        assert!(p
            .set("subnet_owner_cut", 70_000)
            .unwrap_err()
            .contains("between 0 and 65535"));
        assert!(p
            .set("tempo", 1)
            .unwrap_err()
            .contains("unknown parameter `tempo`"));
        for spec in PARAMS {
            p.set(spec.name, spec.min).unwrap();
        }
    }
}
