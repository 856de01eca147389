//! Helpers shared by the golden parity tests: locating and parsing the vector files.
#![allow(dead_code)]

use std::path::PathBuf;

/// The vectors copied into the project (`sim-core/tests/golden/`).
pub fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Reads a vector file; numbers keep their full precision (u64 beyond 2^53).
pub fn golden(rel: &str) -> serde_json::Value {
    read_json(&golden_dir().join(rel))
}

pub fn read_json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A u64 that may be a JSON integer or a decimal string.
pub fn u64_field(v: &serde_json::Value, key: &str) -> u64 {
    as_u64(&v[key]).unwrap_or_else(|| panic!("field {key} is not a u64: {}", v[key]))
}

pub fn as_u64(v: &serde_json::Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

pub fn as_u128(v: &serde_json::Value) -> Option<u128> {
    v.as_u64()
        .map(u128::from)
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// A `SafeFloat` given as `{"mantissa": "<u128>", "exponent": i64}` (already normalised).
pub fn safe_float_of(v: &serde_json::Value) -> sim_core::stake::SafeFloat {
    let mantissa = as_u128(&v["mantissa"]).unwrap_or_else(|| panic!("mantissa of {v}"));
    let exponent = v["exponent"]
        .as_i64()
        .unwrap_or_else(|| panic!("exponent of {v}"));
    let sf = sim_core::stake::SafeFloat::new(mantissa, exponent)
        .unwrap_or_else(|| panic!("not a SafeFloat: {v}"));
    assert_eq!(
        (sf.mantissa(), sf.exponent()),
        (mantissa, exponent),
        "vector SafeFloat is not normalised: {v}"
    );
    sf
}

/// A share pool given as `{"total_hotkey_alpha", "denominator", "shares": [[coldkey, SafeFloat]]}`.
pub fn share_pool_of(v: &serde_json::Value) -> sim_core::stake::SharePool<String> {
    let shares = v["shares"]
        .as_array()
        .unwrap_or_else(|| panic!("shares of {v}"))
        .iter()
        .map(|pair| {
            let coldkey = pair[0].as_str().expect("coldkey id").to_string();
            (coldkey, safe_float_of(&pair[1]))
        });
    sim_core::stake::SharePool::from_parts(
        u64_field(v, "total_hotkey_alpha"),
        safe_float_of(&v["denominator"]),
        shares,
    )
}

/// The raw bits of a fixed-point value given as `{"bits": "<decimal>", "f64": …}`.
pub fn fixed_bits(v: &serde_json::Value) -> i128 {
    v["bits"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v["bits"].as_i64().map(i128::from))
        .unwrap_or_else(|| panic!("not a fixed-point bits object: {v}"))
}

/// Collects mismatches so that one run of a golden test shows all of them, not just the first.
#[derive(Default)]
pub struct Diffs(pub Vec<String>);

impl Diffs {
    pub fn eq<T: PartialEq + std::fmt::Debug>(&mut self, id: &str, what: &str, got: T, want: T) {
        if got != want {
            self.0
                .push(format!("{id} {what}: got {got:?}, want {want:?}"));
        }
    }

    /// Compares two maps key by key, reporting missing, extra and different entries.
    pub fn map_eq<T: PartialEq + std::fmt::Debug>(
        &mut self,
        id: &str,
        what: &str,
        got: &std::collections::BTreeMap<String, T>,
        want: &std::collections::BTreeMap<String, T>,
    ) {
        for (k, w) in want {
            match got.get(k) {
                Some(g) if g == w => {}
                Some(g) => self
                    .0
                    .push(format!("{id} {what}[{k}]: got {g:?}, want {w:?}")),
                None => self
                    .0
                    .push(format!("{id} {what}[{k}]: missing, want {w:?}")),
            }
        }
        for (k, g) in got {
            if !want.contains_key(k) {
                self.0.push(format!("{id} {what}[{k}]: extra {g:?}"));
            }
        }
    }

    /// Fails the test with the first 60 mismatches when there are any.
    pub fn finish(self, total: usize) {
        assert!(
            self.0.is_empty(),
            "{} mismatches over {total} cases:\n{}",
            self.0.len(),
            self.0
                .iter()
                .take(60)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
