//! Units are types: amounts in rao, identifiers as newtypes.
//!
//! `Tao` and `Alpha` are both counted in rao (1e9 per token) but never mix: converting one
//! into the other goes through a price and names its rounding at the call site.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Rao per TAO (and per alpha: alpha uses the same 9-decimal base unit).
pub const RAO_PER_TAO: u64 = 1_000_000_000;

macro_rules! rao_amount {
    ($name:ident, $unit:literal) => {
        #[doc = concat!("An amount of ", $unit, " in rao (1e9 rao = 1 ", $unit, ").")]
        #[derive(
            Clone,
            Copy,
            Debug,
            Default,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            Serialize,
            Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            pub const ZERO: Self = Self(0);
            pub const MAX: Self = Self(u64::MAX);

            /// Whole tokens, e.g. `from_tokens(3)` = 3e9 rao.
            pub const fn from_tokens(tokens: u64) -> Self {
                Self(tokens * RAO_PER_TAO)
            }
            pub const fn rao(self) -> u64 {
                self.0
            }
            /// For display and reports only: never feed the result back into the mechanics.
            pub fn as_tokens_f64(self) -> f64 {
                self.0 as f64 / RAO_PER_TAO as f64
            }
            pub fn checked_add(self, rhs: Self) -> Option<Self> {
                self.0.checked_add(rhs.0).map(Self)
            }
            pub fn checked_sub(self, rhs: Self) -> Option<Self> {
                self.0.checked_sub(rhs.0).map(Self)
            }
            pub fn saturating_add(self, rhs: Self) -> Self {
                Self(self.0.saturating_add(rhs.0))
            }
            pub fn saturating_sub(self, rhs: Self) -> Self {
                Self(self.0.saturating_sub(rhs.0))
            }
            pub fn is_zero(self) -> bool {
                self.0 == 0
            }
        }

        impl fmt::Display for $name {
            /// Exact decimal form with the unit, e.g. `1.5 TAO`, trailing zeros trimmed.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} {}", format_rao(self.0), $unit)
            }
        }
    };
}

rao_amount!(Tao, "TAO");
rao_amount!(Alpha, "alpha");

/// Exact decimal rendering of a rao amount as tokens, trailing zeros trimmed.
pub fn format_rao(rao: u64) -> String {
    let whole = rao / RAO_PER_TAO;
    let frac = rao % RAO_PER_TAO;
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:09}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Parses a non-negative decimal token amount ("11180113.34", "1e3" is not accepted) into rao,
/// exactly. At most 9 decimals, because rao is the smallest unit.
pub fn parse_tokens(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty amount".into());
    }
    if text.starts_with('-') {
        return Err("must not be negative".into());
    }
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits_ok = |s: &str| s.chars().all(|c| c.is_ascii_digit() || c == '_');
    if (whole.is_empty() && frac.is_empty()) || !digits_ok(whole) || !digits_ok(frac) {
        return Err(format!("`{text}` is not a decimal number"));
    }
    let frac: String = frac.chars().filter(|c| *c != '_').collect();
    if frac.len() > 9 {
        return Err(format!("`{text}` has more than 9 decimals (1 rao = 1e-9)"));
    }
    let whole: String = whole.chars().filter(|c| *c != '_').collect();
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| format!("`{text}` is too large"))?
    };
    let frac_rao: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}")
            .parse()
            .expect("nine digits fit in u64")
    };
    whole
        .checked_mul(RAO_PER_TAO)
        .and_then(|r| r.checked_add(frac_rao))
        .ok_or_else(|| format!("`{text}` is too large (above u64 rao)"))
}

/// Subnet identifier. Netuid 0 is the root subnet.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct NetUid(pub u16);

impl NetUid {
    pub const ROOT: Self = Self(0);
    pub fn is_root(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for NetUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Position of a neuron in a subnet (0..MaxAllowedUids).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Uid(pub u16);

/// Block height.
pub type BlockNumber = u64;

/// Dense index of a coldkey in the network's account table.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct ColdkeyId(pub u32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(parse_tokens("11180113.34"), Ok(11_180_113_340_000_000));
        assert_eq!(parse_tokens("0.000000001"), Ok(1));
        assert_eq!(parse_tokens("1_000"), Ok(1_000 * RAO_PER_TAO));
        assert_eq!(parse_tokens(".5"), Ok(500_000_000));
    }

    #[test]
    fn rejects_bad_amounts() {
        assert!(parse_tokens("-1").unwrap_err().contains("negative"));
        assert!(parse_tokens("0.0000000001")
            .unwrap_err()
            .contains("9 decimals"));
        assert!(parse_tokens("abc").is_err());
        assert!(parse_tokens("99999999999999")
            .unwrap_err()
            .contains("too large"));
        assert!(parse_tokens(".").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for rao in [0u64, 1, 500_000_000, 11_180_113_340_000_000, u64::MAX] {
            assert_eq!(parse_tokens(&format_rao(rao)), Ok(rao));
        }
        assert_eq!(Tao(1_500_000_000).to_string(), "1.5 TAO");
    }
}
