//! Parity with the chain: every vector in golden/block_emission.json, exactly.

mod common;

use sim_core::emission::block_emission_for_issuance;

#[test]
fn block_emission_matches_every_vector() {
    let file = common::golden("block_emission.json");
    let cases = file["cases"].as_array().expect("cases array");
    assert_eq!(cases.len(), 197, "the vector set has 197 cases");
    for case in cases {
        let issuance = common::u64_field(case, "issuance");
        let expected = common::u64_field(case, "emission");
        assert!(case["error"].is_null(), "no case in this set fails");
        assert_eq!(
            block_emission_for_issuance(issuance),
            Ok(expected),
            "issuance {issuance}"
        );
    }
}
