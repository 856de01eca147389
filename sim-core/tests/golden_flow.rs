//! Parity with the chain's TAO-flow shares (golden/coinbase/shares_flow.json): 28 net-flow cases
//! (`486037ba4`, `NetTaoFlowEnabled` on or off) and 12 plain-flow cases (`52378dc3e`), exactly.
//!
//! Every output field is compared bit for bit: the per-subnet EMA read (value, updated flag),
//! the stored EMA and accumulator after the call, the positive sums and k, the net flows, L,
//! the offset and prescaled flows, max_times_count, the normalised flag, the flow factor, the
//! powers and their sum, the shares, the final shares and E_i. The same call without a detail
//! must give the same rows and state.

mod common;

use serde_json::Value;
use sim_core::coinbase::flow::{
    flow_shares_toggled, FlowDetail, FlowEma, FlowParams, FlowVariant, SubnetFlow,
};
use sim_core::coinbase::shares::ShareRow;
use substrate_fixed::types::{I64F64, U64F64, U96F32};

fn ubits(v: &Value) -> u128 {
    common::as_u128(&v["bits"]).unwrap_or_else(|| panic!("not a bits object: {v}"))
}
fn ibits(v: &Value) -> i128 {
    let b = &v["bits"];
    b.as_i64()
        .map(i128::from)
        .or_else(|| b.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a bits object: {v}"))
}
fn i64f64(v: &Value) -> I64F64 {
    I64F64::from_bits(ibits(v))
}
fn u64f64(v: &Value) -> U64F64 {
    U64F64::from_bits(ubits(v))
}
fn opt_i64f64(v: &Value) -> Option<I64F64> {
    (!v.is_null()).then(|| i64f64(v))
}
fn opt_u64f64(v: &Value) -> Option<U64F64> {
    (!v.is_null()).then(|| u64f64(v))
}
fn ema_of(v: &Value) -> Option<FlowEma> {
    (!v.is_null()).then(|| FlowEma {
        last_block: common::u64_field(v, "last_block"),
        ema: i64f64(&v["ema"]),
    })
}
fn i64_of(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an i64: {v}"))
}
fn bool_of(v: &Value) -> bool {
    v.as_bool().unwrap_or_else(|| panic!("not a bool: {v}"))
}

use common::Diffs;

/// Compares one per-netuid EMA output map against the detail's reads and the state after.
fn check_ema(
    d: &mut Diffs,
    id: &str,
    name: &str,
    want: &Value,
    netuids: &[String],
    reads: &[sim_core::coinbase::flow::EmaRead],
    after: &[(Option<FlowEma>, i64)],
) {
    d.eq(id, &format!("{name} count"), reads.len(), netuids.len());
    for (i, key) in netuids.iter().enumerate() {
        let w = &want[key.as_str()];
        let (Some(read), Some((stored, acc))) = (reads.get(i), after.get(i)) else {
            continue;
        };
        d.eq(
            id,
            &format!("{name}[{key}].value"),
            read.value,
            i64f64(&w["value"]),
        );
        d.eq(
            id,
            &format!("{name}[{key}].updated"),
            read.updated,
            bool_of(&w["updated"]),
        );
        d.eq(
            id,
            &format!("{name}[{key}].stored_after"),
            *stored,
            ema_of(&w["stored_after"]),
        );
        d.eq(
            id,
            &format!("{name}[{key}].accumulator_after"),
            *acc,
            i64_of(&w["accumulator_after"]),
        );
    }
}

/// Compares a per-netuid map of U64F64 values.
fn check_u_map(
    d: &mut Diffs,
    id: &str,
    name: &str,
    want: &Value,
    netuids: &[String],
    got: &[U64F64],
) {
    d.eq(id, &format!("{name} count"), got.len(), netuids.len());
    for (key, g) in netuids.iter().zip(got) {
        d.eq(
            id,
            &format!("{name}[{key}]"),
            *g,
            u64f64(&want[key.as_str()]),
        );
    }
}

#[test]
fn flow_shares_match_every_vector() {
    let file = common::golden("coinbase/shares_flow.json");
    let cases = file["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 40);
    let mut d = Diffs::default();
    let mut detail = FlowDetail::default();
    let mut out: Vec<ShareRow> = Vec::new();
    let mut out_plain: Vec<ShareRow> = Vec::new();
    let (mut net_cases, mut plain_cases) = (0, 0);
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let variant = match case["variant"].as_str() {
            Some("net_flow") => {
                net_cases += 1;
                FlowVariant::Net
            }
            Some("plain_flow") => {
                plain_cases += 1;
                FlowVariant::Plain
            }
            other => panic!("{id}: unknown variant {other:?}"),
        };
        let net = variant == FlowVariant::Net;
        let p = &case["input"]["params"];
        let block = common::u64_field(p, "current_block");
        let params = FlowParams {
            smoothing_factor: common::u64_field(p, "flow_ema_smoothing_factor"),
            cutoff: i64f64(&p["tao_flow_cutoff"]),
            norm_exponent: u64f64(&p["flow_norm_exponent"]),
        };
        let emission = common::u64_field(p, "block_emission");
        let net_enabled = net && bool_of(&p["net_tao_flow_enabled"]);
        let subnets = case["input"]["subnets"].as_array().expect("subnets");
        let netuids: Vec<String> = subnets
            .iter()
            .map(|s| common::u64_field(s, "netuid").to_string())
            .collect();
        let mut flows: Vec<SubnetFlow> = subnets
            .iter()
            .map(|s| SubnetFlow {
                user_ema: ema_of(&s["subnet_ema_tao_flow"]),
                user_flow: i64_of(&s["subnet_tao_flow"]),
                protocol_ema: if net {
                    ema_of(&s["subnet_ema_protocol_flow"])
                } else {
                    None
                },
                protocol_flow: if net {
                    i64_of(&s["subnet_protocol_flow"])
                } else {
                    0
                },
            })
            .collect();
        let enabled: Vec<bool> = subnets
            .iter()
            .map(|s| !net || bool_of(&s["subnet_emission_enabled"]))
            .collect();

        // The engine's path (no detail) first, on a copy of the state.
        let mut flows_plain = flows.clone();
        let totals_plain = flow_shares_toggled(
            variant,
            net_enabled,
            block,
            &params,
            emission,
            &mut flows_plain,
            &enabled,
            &mut out_plain,
            None,
        );
        let totals = flow_shares_toggled(
            variant,
            net_enabled,
            block,
            &params,
            emission,
            &mut flows,
            &enabled,
            &mut out,
            Some(&mut detail),
        );
        d.eq(id, "rows without detail", &out_plain, &out);
        d.eq(id, "state without detail", &flows_plain, &flows);
        d.eq(id, "totals without detail", totals_plain, totals);

        let o = &case["output"];
        let user_after: Vec<_> = flows.iter().map(|f| (f.user_ema, f.user_flow)).collect();
        check_ema(
            &mut d,
            id,
            "user_ema",
            &o["user_ema"],
            &netuids,
            &detail.user_ema,
            &user_after,
        );
        if net {
            let prot_after: Vec<_> = flows
                .iter()
                .map(|f| (f.protocol_ema, f.protocol_flow))
                .collect();
            check_ema(
                &mut d,
                id,
                "protocol_ema",
                &o["protocol_ema"],
                &netuids,
                &detail.protocol_ema,
                &prot_after,
            );
            d.eq(
                id,
                "user_positive_ema_sum",
                detail.user_positive_ema_sum,
                opt_i64f64(&o["user_positive_ema_sum"]),
            );
            d.eq(
                id,
                "protocol_positive_ema_sum",
                detail.protocol_positive_ema_sum,
                opt_i64f64(&o["protocol_positive_ema_sum"]),
            );
            d.eq(
                id,
                "norm_factor",
                detail.norm_factor,
                opt_i64f64(&o["norm_factor"]),
            );
            d.eq(
                id,
                "has_disabled_subnets",
                totals.has_disabled_subnets,
                bool_of(&o["has_disabled_subnets"]),
            );
        } else {
            d.eq(
                id,
                "protocol_ema reads (plain)",
                detail.protocol_ema.len(),
                0,
            );
            d.eq(id, "norm_factor (plain)", detail.norm_factor, None);
            d.eq(
                id,
                "has_disabled_subnets (plain)",
                totals.has_disabled_subnets,
                false,
            );
        }

        d.eq(id, "ema_flows count", detail.ema_flows.len(), netuids.len());
        for (key, g) in netuids.iter().zip(&detail.ema_flows) {
            d.eq(
                id,
                &format!("ema_flows[{key}]"),
                *g,
                i64f64(&o["ema_flows"][key.as_str()]),
            );
        }
        d.eq(
            id,
            "lower_limit",
            detail.lower_limit,
            i64f64(&o["lower_limit"]),
        );
        check_u_map(
            &mut d,
            id,
            "offset_flows",
            &o["offset_flows"],
            &netuids,
            &detail.offset_flows,
        );
        check_u_map(
            &mut d,
            id,
            "prescaled_flows",
            &o["prescaled_flows"],
            &netuids,
            &detail.prescaled_flows,
        );
        d.eq(
            id,
            "max_times_count",
            detail.max_times_count,
            u64f64(&o["max_times_count"]),
        );
        d.eq(
            id,
            "normalized",
            detail.normalized,
            bool_of(&o["normalized"]),
        );
        d.eq(
            id,
            "flow_factor",
            detail.flow_factor,
            opt_u64f64(&o["flow_factor"]),
        );
        let pow_want = o["pow_values"].as_object().expect("pow_values");
        if pow_want.is_empty() {
            d.eq(id, "pow_values count", detail.pow_values.len(), 0);
        } else {
            check_u_map(
                &mut d,
                id,
                "pow_values",
                &o["pow_values"],
                &netuids,
                &detail.pow_values,
            );
        }
        d.eq(id, "pow_sum", detail.pow_sum, opt_u64f64(&o["pow_sum"]));

        d.eq(id, "rows", out.len(), netuids.len());
        for (key, row) in netuids.iter().zip(&out) {
            let k = key.as_str();
            d.eq(
                id,
                &format!("shares[{key}]"),
                row.share,
                u64f64(&o["shares"][k]),
            );
            d.eq(
                id,
                &format!("final_share[{key}]"),
                row.final_share,
                u64f64(&o["final_share"][k]),
            );
            d.eq(
                id,
                &format!("tao_emission[{key}]"),
                row.tao_emission,
                U96F32::from_bits(ubits(&o["tao_emission"][k])),
            );
            d.eq(
                id,
                &format!("price_share[{key}]"),
                row.price_share,
                U64F64::from_num(0),
            );
            d.eq(
                id,
                &format!("miner_burn_weighted[{key}]"),
                row.miner_burn_weighted,
                U64F64::from_num(0),
            );
        }
    }
    assert_eq!((net_cases, plain_cases), (28, 12));
    d.finish(cases.len());
}
