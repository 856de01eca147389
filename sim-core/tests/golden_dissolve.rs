//! Parity with the chain's dissolution payouts: every case of `subnet/dissolve.json`
//! (`destroy_alpha_in_out_stakes`), every output field exactly, no tolerance.

mod common;

use common::{as_u128, fixed_bits, share_pool_of, u64_field};
use serde_json::Value;
use sim_core::lifecycle::{destroy_alpha_in_out_stakes, DissolveInput, Holder, ValueSource};
use sim_core::{Alpha, Tao};
use substrate_fixed::types::U64F64;

use common::Diffs;

fn u128_field(v: &Value, key: &str) -> u128 {
    as_u128(&v[key]).unwrap_or_else(|| panic!("field {key} is not a u128: {}", v[key]))
}

fn dissolve_input(input: &Value) -> DissolveInput<String, String> {
    let pools = input["hotkeys_in_storage_order"]
        .as_array()
        .expect("hotkeys_in_storage_order")
        .iter()
        .map(|e| {
            let hotkey = e["hotkey"].as_str().expect("hotkey").to_string();
            (hotkey, share_pool_of(&e["pool"]))
        })
        .collect();
    let price_bits = u128::try_from(fixed_bits(&input["current_alpha_price"])).expect("price");
    DissolveInput {
        subnet_tao: Tao(u64_field(input, "subnet_tao")),
        subnet_alpha_in: Alpha(u64_field(input, "subnet_alpha_in")),
        subnet_alpha_out: Alpha(u64_field(input, "subnet_alpha_out")),
        subnet_protocol_alpha: Alpha(u64_field(input, "subnet_protocol_alpha")),
        registered_at: u64_field(input, "network_registered_at"),
        tao_in_refund_deployment_block: u64_field(input, "tao_in_refund_deployment_block"),
        network_registration_start_block: u64_field(input, "network_registration_start_block"),
        subnet_locked: Tao(u64_field(input, "subnet_locked")),
        subnet_owner_cut: u16::try_from(u64_field(input, "subnet_owner_cut")).expect("u16"),
        current_alpha_price: U64F64::from_bits(price_bits),
        subnet_account_balance: Tao(u64_field(input, "subnet_account_balance")),
        pools,
    }
}

#[test]
fn dissolve_matches_every_vector() {
    let file = common::golden("subnet/dissolve.json");
    let cases = file["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 20);
    let mut d = Diffs::default();
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let out = &case["output"];
        let r = destroy_alpha_in_out_stakes(&dissolve_input(&case["input"]));

        d.eq(
            id,
            "should_refund_owner",
            r.should_refund_owner,
            out["should_refund_owner"].as_bool().expect("bool"),
        );
        d.eq(
            id,
            "owner_alpha",
            r.owner_alpha.0,
            u64_field(out, "owner_alpha"),
        );
        d.eq(
            id,
            "owner_emission_tao",
            r.owner_emission_tao.0,
            u64_field(out, "owner_emission_tao"),
        );
        d.eq(
            id,
            "protocol_alpha_value",
            r.protocol_alpha_value,
            u128_field(out, "protocol_alpha_value"),
        );
        d.eq(
            id,
            "total_alpha_value",
            r.total_alpha_value,
            u128_field(out, "total_alpha_value"),
        );

        let want = out["portions"].as_array().expect("portions");
        d.eq(id, "portions.len", r.portions.len(), want.len());
        for (i, (got, want)) in r.portions.iter().zip(want).enumerate() {
            let at = |f: &str| format!("portions[{i}].{f}");
            let (hotkey, coldkey) = match &got.holder {
                Holder::Staker { hotkey, coldkey } => (Some(hotkey.clone()), coldkey.clone()),
                Holder::Protocol => (None, "protocol".to_string()),
            };
            d.eq(
                id,
                &at("hotkey"),
                hotkey,
                want["hotkey"].as_str().map(str::to_string),
            );
            d.eq(
                id,
                &at("coldkey"),
                coldkey,
                want["coldkey"].as_str().expect("coldkey").to_string(),
            );
            d.eq(
                id,
                &at("alpha_value"),
                got.alpha_value,
                u128_field(want, "alpha_value"),
            );
            let source = match got.value_source {
                ValueSource::PoolValue => "pool_value",
                ValueSource::RawShareFallback => "raw_share_fallback",
                ValueSource::Protocol => "protocol",
            };
            d.eq(
                id,
                &at("value_source"),
                source,
                want["value_source"].as_str().expect("value_source"),
            );
            d.eq(
                id,
                &at("remainder"),
                got.remainder,
                u128_field(want, "remainder"),
            );
            d.eq(
                id,
                &at("got_remainder_rao"),
                got.got_remainder_rao,
                want["got_remainder_rao"].as_bool().expect("bool"),
            );
            d.eq(id, &at("tao"), got.tao.0, u64_field(want, "tao"));
        }

        d.eq(
            id,
            "distributed_before_leftover",
            r.distributed_before_leftover,
            u128_field(out, "distributed_before_leftover"),
        );
        d.eq(id, "leftover", r.leftover, u128_field(out, "leftover"));
        d.eq(
            id,
            "protocol_tao_share",
            r.protocol_tao_share.0,
            u64_field(out, "protocol_tao_share"),
        );
        d.eq(
            id,
            "paid_to_coldkeys",
            r.paid_to_coldkeys.0,
            u64_field(out, "paid_to_coldkeys"),
        );
        d.eq(id, "refund", r.refund.0, u64_field(out, "refund"));
        d.eq(
            id,
            "refund_paid",
            r.refund_paid.0,
            u64_field(out, "refund_paid"),
        );
        d.eq(
            id,
            "recycled_from_subnet_account",
            r.recycled_from_subnet_account.0,
            u64_field(out, "recycled_from_subnet_account"),
        );
        d.eq(
            id,
            "total_stake_decrease",
            r.total_stake_decrease.0,
            u64_field(out, "total_stake_decrease"),
        );
    }
    d.finish(cases.len());
}
