//! Parity with the chain's epoch payout and root claims: every case of `payout/distribute.json`
//! and `payout/root_claim.json` (claims and stake adjustments), every output field exactly.
//!
//! Fixed-point values are compared by their bits, share-pool shares and denominators by
//! mantissa and exponent, amounts as integers. No tolerance anywhere.

mod common;

use common::{as_u128, as_u64, fixed_bits, share_pool_of, u64_field};
use serde_json::Value;
use sim_core::amm::{Pool, QuoteWeight};
use sim_core::stake::{
    add_stake_adjust_root_claimed, distribute_emission, remove_stake_adjust_root_claimed,
    root_claim_on_subnet, ClaimAccounts, ClaimOutcome, ClaimableIncrement, CreditKind,
    DistributeInput, EmissionEntry, HotkeyInfo, PendingPayout, RecycleOrBurn, RootClaimRequest,
    RootClaimType, SafeFloat, SharePool,
};
use sim_core::{Alpha, NetUid, Tao};
use std::collections::{BTreeMap, BTreeSet};
use substrate_fixed::types::{I96F32, U96F32};

use common::Diffs;

fn u64_of(v: &Value) -> u64 {
    as_u64(v).unwrap_or_else(|| panic!("not a u64: {v}"))
}

fn str_of(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_string()
}

fn obj(v: &Value) -> &serde_json::Map<String, Value> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
}

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

/// A `{key: u64}` object.
fn u64_map(v: &Value) -> BTreeMap<String, u64> {
    obj(v).iter().map(|(k, x)| (k.clone(), u64_of(x))).collect()
}

/// A `{key: {"bits": ..}}` object as raw bits.
fn bits_map(v: &Value) -> BTreeMap<String, i128> {
    obj(v)
        .iter()
        .map(|(k, x)| (k.clone(), fixed_bits(x)))
        .collect()
}

fn u96_bits(x: U96F32) -> i128 {
    i128::try_from(x.to_bits()).expect("U96F32 bits fit in i128")
}

fn u96_map(m: &BTreeMap<String, U96F32>) -> BTreeMap<String, i128> {
    m.iter().map(|(k, v)| (k.clone(), u96_bits(*v))).collect()
}

fn alpha_map(m: &BTreeMap<String, Alpha>) -> BTreeMap<String, u64> {
    m.iter().map(|(k, v)| (k.clone(), v.0)).collect()
}

/// A pool as comparable plain values: value, denominator, shares.
type PoolParts = (u64, (u128, i64), Vec<(String, u128, i64)>);

fn sf_parts(sf: SafeFloat) -> (u128, i64) {
    (sf.mantissa(), sf.exponent())
}

fn pool_parts(pool: &SharePool<String>) -> PoolParts {
    (
        pool.value(),
        sf_parts(pool.denominator()),
        pool.shares()
            .map(|(c, s)| (c.clone(), s.mantissa(), s.exponent()))
            .collect(),
    )
}

/// Every coldkey's stake in a pool.
fn stake_values(pool: &SharePool<String>) -> BTreeMap<String, u64> {
    pool.shares()
        .map(|(c, _)| (c.clone(), pool.stake_of(c)))
        .collect()
}

fn proportions(v: &Value) -> Vec<(u64, String)> {
    arr(v)
        .iter()
        .map(|p| (u64_of(&p[0]), str_of(&p[1])))
        .collect()
}

fn credit_kind(name: &str) -> CreditKind {
    match name {
        "owner_cut" => CreditKind::OwnerCut,
        "incentive" => CreditKind::Incentive,
        "alpha_take" => CreditKind::AlphaTake,
        "alpha_dividends" => CreditKind::AlphaDividends,
        "root_take" => CreditKind::RootTake,
        "root_dividends_fallback_stake" => CreditKind::RootDividendsFallbackStake,
        other => panic!("unknown credit kind {other}"),
    }
}

/// The payout input, the pools and the `RootClaimable` column of one distribute case.
struct PayoutCase {
    input: DistributeInput<String, String>,
    pools: BTreeMap<String, SharePool<String>>,
    root_claimable: BTreeMap<String, I96F32>,
}

fn payout_case(input: &Value) -> PayoutCase {
    let mut hotkeys = BTreeMap::new();
    let mut pools = BTreeMap::new();
    let mut root_claimable = BTreeMap::new();
    for (h, info) in obj(&input["hotkeys"]) {
        hotkeys.insert(
            h.clone(),
            HotkeyInfo {
                owner: str_of(&info["owner"]),
                root_stake: u64_field(info, "root_stake"),
                delegate_take: u16::try_from(u64_field(info, "delegate_take")).expect("u16"),
                childkey_take: u16::try_from(u64_field(info, "childkey_take")).expect("u16"),
                children: proportions(&info["children"]),
                parents: proportions(&info["parents"]),
            },
        );
        pools.insert(h.clone(), share_pool_of(&info["alpha_pool"]));
        if !info["root_claimable"].is_null() {
            root_claimable.insert(
                h.clone(),
                I96F32::from_bits(fixed_bits(&info["root_claimable"])),
            );
        }
    }
    let recycle_or_burn = match input["recycle_or_burn"].as_str() {
        Some("Recycle") => RecycleOrBurn::Recycle,
        Some("Burn") | None => RecycleOrBurn::Burn,
        Some(other) => panic!("unknown recycle_or_burn {other}"),
    };
    let hotkey_emission = arr(&input["hotkey_emission"])
        .iter()
        .map(|e| EmissionEntry {
            hotkey: str_of(&e[0]),
            server: Alpha(u64_of(&e[1])),
            validator: Alpha(u64_of(&e[2])),
            // The vectors do not give registration blocks; equal blocks order by UID.
            registered_at: 0,
        })
        .collect();
    let auto_stake_destination = obj(&input["auto_stake_destination"])
        .iter()
        .map(|(c, h)| (c.clone(), str_of(h)))
        .collect();
    PayoutCase {
        input: DistributeInput {
            tao_weight: u64_field(input, "tao_weight"),
            ck_burn: u64_field(input, "ck_burn"),
            pending: PendingPayout {
                server: Alpha(u64_field(input, "pending_server")),
                validator: Alpha(u64_field(input, "pending_validator")),
                root: Alpha(u64_field(input, "pending_root")),
                owner_cut: Alpha(u64_field(input, "pending_owner_cut")),
            },
            subnet_owner_coldkey: str_of(&input["subnet_owner_coldkey"]),
            subnet_owner_hotkey: input["subnet_owner_hotkey"].as_str().map(str::to_string),
            recycle_or_burn,
            hotkey_emission,
            auto_stake_destination,
            hotkeys,
        },
        pools,
        root_claimable,
    }
}

#[test]
fn distribute_matches_every_vector() {
    let file = common::golden("payout/distribute.json");
    let cases = arr(&file["cases"]);
    assert_eq!(cases.len(), 40);
    let mut d = Diffs::default();
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let out = &case["output"];
        let PayoutCase {
            input,
            mut pools,
            mut root_claimable,
        } = payout_case(&case["input"]);

        let before: BTreeMap<String, BTreeMap<String, u64>> = pools
            .iter()
            .map(|(h, p)| (h.clone(), stake_values(p)))
            .collect();
        for (h, want) in obj(&out["stake_values_before"]) {
            d.map_eq(
                id,
                &format!("stake_values_before[{h}]"),
                &before[h],
                &u64_map(want),
            );
        }

        let r = match distribute_emission(&input, &mut pools, &mut root_claimable) {
            Ok(r) => r,
            Err(e) => {
                d.0.push(format!("{id}: {e}"));
                continue;
            }
        };

        d.eq(
            id,
            "incentive_sum",
            r.incentive_sum.0,
            u64_field(out, "incentive_sum"),
        );
        d.eq(
            id,
            "validator_alpha",
            r.validator_alpha.0,
            u64_field(out, "validator_alpha"),
        );
        d.map_eq(
            id,
            "incentives",
            &alpha_map(&r.incentives),
            &u64_map(&out["incentives"]),
        );

        // The childkey split of every epoch entry.
        let want_pc = arr(&out["parent_child"]);
        d.eq(id, "parent_child.len", r.parent_child.len(), want_pc.len());
        for (got, want) in r.parent_child.iter().zip(want_pc) {
            let h = str_of(&want["hotkey"]);
            let at = |f: &str| format!("parent_child[{h}].{f}");
            d.eq(id, &at("hotkey"), got.hotkey.clone(), h.clone());
            d.eq(
                id,
                &at("dividend"),
                got.dividend,
                u64_field(want, "dividend"),
            );
            d.eq(
                id,
                &at("self_contribution"),
                got.self_contribution,
                u64_field(want, "self_contribution"),
            );
            d.eq(
                id,
                &at("total_contribution"),
                u96_bits(got.total_contribution),
                fixed_bits(&want["total_contribution"]),
            );
            d.eq(
                id,
                &at("child_emission"),
                got.child_emission,
                u64_field(want, "child_emission"),
            );
            let want_parents = arr(&want["parents"]);
            d.eq(
                id,
                &at("parents.len"),
                got.parents.len(),
                want_parents.len(),
            );
            for (gp, wp) in got.parents.iter().zip(want_parents) {
                let p = str_of(&wp["parent"]);
                let at = |f: &str| format!("parent_child[{h}].parents[{p}].{f}");
                d.eq(id, &at("parent"), gp.parent.clone(), p.clone());
                d.eq(
                    id,
                    &at("contribution"),
                    u96_bits(gp.contribution),
                    fixed_bits(&wp["contribution"]),
                );
                d.eq(
                    id,
                    &at("emission_factor"),
                    u96_bits(gp.emission_factor),
                    fixed_bits(&wp["emission_factor"]),
                );
                d.eq(
                    id,
                    &at("burn_take"),
                    u96_bits(gp.burn_take),
                    fixed_bits(&wp["burn_take"]),
                );
                d.eq(
                    id,
                    &at("child_take"),
                    u96_bits(gp.child_take),
                    fixed_bits(&wp["child_take"]),
                );
                d.eq(
                    id,
                    &at("parent_emission_u64"),
                    gp.parent_emission,
                    u64_field(wp, "parent_emission_u64"),
                );
            }
        }

        // Weights, stake map and the alpha / root split.
        d.map_eq(
            id,
            "dividends",
            &u96_map(&r.dividends),
            &bits_map(&out["dividends"]),
        );
        let want_stake_map: BTreeMap<String, (u64, u64)> = obj(&out["stake_map"])
            .iter()
            .map(|(k, v)| (k.clone(), (u64_of(&v[0]), u64_of(&v[1]))))
            .collect();
        d.map_eq(id, "stake_map", &r.stake_map, &want_stake_map);
        let s = &r.split;
        d.map_eq(
            id,
            "alpha_divs_weight",
            &u96_map(&s.alpha_divs_weight),
            &bits_map(&out["alpha_divs_weight"]),
        );
        d.map_eq(
            id,
            "root_divs_weight",
            &u96_map(&s.root_divs_weight),
            &bits_map(&out["root_divs_weight"]),
        );
        d.eq(
            id,
            "total_alpha_divs",
            u96_bits(s.total_alpha_divs),
            fixed_bits(&out["total_alpha_divs"]),
        );
        d.eq(
            id,
            "total_root_divs",
            u96_bits(s.total_root_divs),
            fixed_bits(&out["total_root_divs"]),
        );
        d.map_eq(
            id,
            "alpha_dividends",
            &u96_map(&s.alpha_dividends),
            &bits_map(&out["alpha_dividends"]),
        );
        d.map_eq(
            id,
            "root_alpha_dividends",
            &u96_map(&s.root_alpha_dividends),
            &bits_map(&out["root_alpha_dividends"]),
        );

        // Owner withholding and recycling.
        let want_owner_hotkeys: Vec<String> =
            arr(&out["owner_hotkeys"]).iter().map(str_of).collect();
        d.eq(
            id,
            "owner_hotkeys",
            r.owner_hotkeys.clone(),
            want_owner_hotkeys,
        );
        d.eq(
            id,
            "withheld_incentive",
            r.withheld_incentive.0,
            u64_field(out, "withheld_incentive"),
        );
        d.eq(
            id,
            "miner_burned",
            u96_bits(r.miner_burned),
            fixed_bits(&out["miner_burned"]),
        );
        d.eq(
            id,
            "incentive_recycled",
            r.incentive_recycled.0,
            u64_field(out, "incentive_recycled"),
        );
        d.eq(
            id,
            "incentive_burned",
            r.incentive_burned.0,
            u64_field(out, "incentive_burned"),
        );
        d.eq(
            id,
            "ck_burn_recycled",
            r.ck_burn_recycled.0,
            u64_field(out, "ck_burn_recycled"),
        );
        d.eq(
            id,
            "subnet_alpha_out_delta",
            r.subnet_alpha_out_delta(),
            out["subnet_alpha_out_delta"]
                .as_str()
                .and_then(|s| s.parse::<i128>().ok())
                .expect("i128 string"),
        );

        // Takes, pool dividends, root claims.
        d.map_eq(
            id,
            "alpha_take",
            &u96_map(&r.alpha_take),
            &bits_map(&out["alpha_take"]),
        );
        d.map_eq(
            id,
            "alpha_divs_to_pool",
            &alpha_map(&r.alpha_divs_to_pool),
            &u64_map(&out["alpha_divs_to_pool"]),
        );
        d.map_eq(
            id,
            "root_take",
            &u96_map(&r.root_take),
            &bits_map(&out["root_take"]),
        );
        d.map_eq(
            id,
            "root_alpha_to_claimable",
            &alpha_map(&r.root_alpha_to_claimable),
            &u64_map(&out["root_alpha_to_claimable"]),
        );
        let got_increment: BTreeMap<String, Option<i128>> = r
            .root_claimable_increment
            .iter()
            .map(|(h, inc)| {
                let v = match inc {
                    ClaimableIncrement::Rate(rate) => Some(rate.to_bits()),
                    ClaimableIncrement::FallbackStakedToOwner => None,
                };
                (h.clone(), v)
            })
            .collect();
        let want_increment: BTreeMap<String, Option<i128>> = obj(&out["root_claimable_increment"])
            .iter()
            .map(|(h, v)| {
                let v = match v.as_str() {
                    Some("fallback_staked_to_owner") => None,
                    _ => Some(fixed_bits(v)),
                };
                (h.clone(), v)
            })
            .collect();
        d.map_eq(
            id,
            "root_claimable_increment",
            &got_increment,
            &want_increment,
        );
        // RootClaimable after, for every dividend hotkey that has an entry.
        let got_after: BTreeMap<String, i128> = r
            .root_claimable_increment
            .keys()
            .filter_map(|h| root_claimable.get(h).map(|v| (h.clone(), v.to_bits())))
            .collect();
        d.map_eq(
            id,
            "root_claimable_after",
            &got_after,
            &bits_map(&out["root_claimable_after"]),
        );
        d.map_eq(
            id,
            "alpha_dividends_per_subnet",
            &alpha_map(&r.alpha_dividends_per_subnet),
            &u64_map(&out["alpha_dividends_per_subnet"]),
        );
        d.map_eq(
            id,
            "root_alpha_dividends_per_subnet",
            &alpha_map(&r.root_alpha_dividends_per_subnet),
            &u64_map(&out["root_alpha_dividends_per_subnet"]),
        );

        // Credits, in chain order.
        let got_credits: Vec<(String, Option<String>, u64, CreditKind)> = r
            .credits
            .iter()
            .map(|c| (c.pool_hotkey.clone(), c.coldkey.clone(), c.amount.0, c.kind))
            .collect();
        let want_credits: Vec<(String, Option<String>, u64, CreditKind)> = arr(&out["credits"])
            .iter()
            .map(|c| {
                (
                    str_of(&c["pool_hotkey"]),
                    c["coldkey"].as_str().map(str::to_string),
                    u64_field(c, "amount"),
                    credit_kind(c["kind"].as_str().expect("kind")),
                )
            })
            .collect();
        d.eq(id, "credits", got_credits, want_credits);

        // Stakes and pools after.
        let empty = SharePool::new();
        for (h, want) in obj(&out["stake_values_after"]) {
            let pool = pools.get(h).unwrap_or(&empty);
            d.map_eq(
                id,
                &format!("stake_values_after[{h}]"),
                &stake_values(pool),
                &u64_map(want),
            );
        }
        for (h, want) in obj(&out["pools_after"]) {
            let pool = pools.get(h).unwrap_or(&empty);
            d.eq(
                id,
                &format!("pools_after[{h}]"),
                pool_parts(pool),
                pool_parts(&share_pool_of(want)),
            );
        }
        for (h, pool) in &pools {
            if !obj(&out["pools_after"]).contains_key(h) && !pool.is_empty() {
                d.0.push(format!("{id} pools_after[{h}]: extra non-empty pool"));
            }
        }
    }
    d.finish(cases.len());
}

fn netuid_of(key: &str) -> NetUid {
    NetUid(key.parse().expect("netuid key"))
}

fn claimable_map(v: &Value) -> BTreeMap<NetUid, I96F32> {
    obj(v)
        .iter()
        .map(|(k, x)| (netuid_of(k), I96F32::from_bits(fixed_bits(x))))
        .collect()
}

fn claimed_map(v: &Value) -> BTreeMap<NetUid, u128> {
    obj(v)
        .iter()
        .map(|(k, x)| (netuid_of(k), as_u128(x).expect("u128 string")))
        .collect()
}

/// RootClaimed over the union of keys, absent entries read as 0 (the storage default).
fn claimed_eq(
    d: &mut Diffs,
    id: &str,
    got: &BTreeMap<NetUid, u128>,
    want: &BTreeMap<NetUid, u128>,
) {
    let keys: BTreeSet<NetUid> = got.keys().chain(want.keys()).copied().collect();
    for k in keys {
        d.eq(
            id,
            &format!("root_claimed_after[{k}]"),
            got.get(&k).copied().unwrap_or(0),
            want.get(&k).copied().unwrap_or(0),
        );
    }
}

fn claim_type_of(v: &Value) -> RootClaimType {
    match v {
        Value::String(s) if s == "Swap" => RootClaimType::Swap,
        Value::String(s) if s == "Keep" => RootClaimType::Keep,
        Value::Object(o) if o.contains_key("KeepSubnets") => RootClaimType::KeepSubnets(
            arr(&o["KeepSubnets"])
                .iter()
                .map(|n| NetUid(u16::try_from(u64_of(n)).expect("u16 netuid")))
                .collect(),
        ),
        other => panic!("unknown root claim type {other}"),
    }
}

#[test]
fn root_claims_match_every_vector() {
    let file = common::golden("payout/root_claim.json");
    let cases = arr(&file["cases"]);
    assert_eq!(cases.len(), 30);
    let mut d = Diffs::default();
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let input = &case["input"];
        let out = &case["output"];
        let coldkey = str_of(&input["coldkey"]);
        let netuid = NetUid(u16::try_from(u64_field(input, "netuid")).expect("u16"));
        let root_claimable = claimable_map(&input["root_claimable"]);
        let claim_type = claim_type_of(&input["root_claim_type"]);
        let mut root_claimed = claimed_map(&input["root_claimed"]);
        let mut root_pool = share_pool_of(&input["root_pool"]);
        let mut alpha_pool = share_pool_of(&input["alpha_pool"]);
        let subnet = &input["subnet"];
        let mut subnet_pool = Pool {
            tao_reserve: Tao(u64_field(subnet, "subnet_tao")),
            alpha_reserve: Alpha(u64_field(subnet, "subnet_alpha_in")),
            weight: QuoteWeight::from_parts(u64_field(subnet, "quote_weight_parts"))
                .expect("weight within [0.01, 0.99]"),
            fee_rate: u16::try_from(u64_field(subnet, "fee_rate")).expect("u16"),
        };
        d.eq(
            id,
            "price before",
            i128::try_from(subnet_pool.current_price().to_bits()).expect("fits"),
            fixed_bits(&subnet["price"]),
        );
        let mut subnet_alpha_out = Alpha(u64_field(subnet, "subnet_alpha_out"));
        let mut root_tao = Tao(u64_field(input, "root_subnet_tao"));
        let mut root_alpha_out = Alpha(u64_field(input, "root_subnet_alpha_out"));
        let subnet_stake_before = alpha_pool.stake_of(&coldkey);

        let request = RootClaimRequest {
            netuid,
            root_claimable: &root_claimable,
            threshold: I96F32::from_bits(fixed_bits(&input["root_claimable_threshold"])),
            claim_type: &claim_type,
            ignore_minimum: input["ignore_minimum_condition"].as_bool().expect("bool"),
        };
        let claim = root_claim_on_subnet(
            &coldkey,
            &request,
            ClaimAccounts {
                root_claimed: &mut root_claimed,
                root_pool: &mut root_pool,
                alpha_pool: &mut alpha_pool,
                subnet_pool: &mut subnet_pool,
                subnet_alpha_out: &mut subnet_alpha_out,
                root_tao: &mut root_tao,
                root_alpha_out: &mut root_alpha_out,
            },
        );

        d.eq(
            id,
            "coldkey_root_stake",
            claim.coldkey_root_stake,
            u64_field(out, "coldkey_root_stake"),
        );
        d.eq(
            id,
            "claimable",
            claim.claimable.to_bits(),
            fixed_bits(&out["claimable"]),
        );
        d.eq(id, "owed", claim.owed.to_bits(), fixed_bits(&out["owed"]));
        d.eq(id, "owed_u64", claim.owed_u64, u64_field(out, "owed_u64"));
        let outcome = match claim.outcome {
            ClaimOutcome::BelowThreshold => "below_threshold",
            ClaimOutcome::ZeroOwed => "zero_owed",
            ClaimOutcome::Swapped(_) => "swap",
            ClaimOutcome::Kept => "keep",
            ClaimOutcome::SwapFailed(_) => "swap_failed",
        };
        d.eq(
            id,
            "outcome",
            outcome,
            out["outcome"].as_str().expect("outcome"),
        );
        match (&claim.outcome, &out["swap"]) {
            (ClaimOutcome::Swapped(sold), want) if want.get("ok").is_some() => {
                let ok = &want["ok"];
                d.eq(
                    id,
                    "swap.amount_paid_in",
                    sold.alpha_in.0,
                    u64_field(ok, "amount_paid_in"),
                );
                d.eq(
                    id,
                    "swap.amount_paid_out",
                    sold.tao_out.0,
                    u64_field(ok, "amount_paid_out"),
                );
                d.eq(id, "swap.fee_paid", sold.fee.0, u64_field(ok, "fee_paid"));
            }
            (ClaimOutcome::SwapFailed(e), want) if want.get("err").is_some() => {
                d.eq(id, "swap.err", format!("{e:?}"), str_of(&want["err"]));
            }
            (_, Value::Null)
                if !matches!(
                    claim.outcome,
                    ClaimOutcome::Swapped(_) | ClaimOutcome::SwapFailed(_)
                ) => {}
            (got, want) => d.0.push(format!("{id} swap: got {got:?}, want {want}")),
        }
        claimed_eq(
            &mut d,
            id,
            &root_claimed,
            &claimed_map(&out["root_claimed_after"]),
        );
        d.eq(
            id,
            "coldkey_root_stake_after",
            root_pool.stake_of(&coldkey),
            u64_field(out, "coldkey_root_stake_after"),
        );
        d.eq(
            id,
            "coldkey_subnet_stake_before",
            subnet_stake_before,
            u64_field(out, "coldkey_subnet_stake_before"),
        );
        d.eq(
            id,
            "coldkey_subnet_stake_after",
            alpha_pool.stake_of(&coldkey),
            u64_field(out, "coldkey_subnet_stake_after"),
        );
        d.eq(
            id,
            "root_pool_after",
            pool_parts(&root_pool),
            pool_parts(&share_pool_of(&out["root_pool_after"])),
        );
        d.eq(
            id,
            "alpha_pool_after",
            pool_parts(&alpha_pool),
            pool_parts(&share_pool_of(&out["alpha_pool_after"])),
        );
        let after = &out["subnet_after"];
        d.eq(
            id,
            "subnet_tao_after",
            subnet_pool.tao_reserve.0,
            u64_field(after, "subnet_tao"),
        );
        d.eq(
            id,
            "subnet_alpha_in_after",
            subnet_pool.alpha_reserve.0,
            u64_field(after, "subnet_alpha_in"),
        );
        d.eq(
            id,
            "subnet_alpha_out_after",
            subnet_alpha_out.0,
            u64_field(after, "subnet_alpha_out"),
        );
        d.eq(
            id,
            "root_subnet_tao_after",
            root_tao.0,
            u64_field(out, "root_subnet_tao_after"),
        );
        d.eq(
            id,
            "root_subnet_alpha_out_after",
            root_alpha_out.0,
            u64_field(out, "root_subnet_alpha_out_after"),
        );
    }
    d.finish(cases.len());
}

#[test]
fn root_claimed_adjustments_match_every_vector() {
    let file = common::golden("payout/root_claim.json");
    let cases = arr(&file["stake_adjust_cases"]);
    assert_eq!(cases.len(), 16);
    let mut d = Diffs::default();
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let input = &case["input"];
        let amount = u64_field(input, "amount");
        let root_claimable = claimable_map(&input["root_claimable"]);
        let mut root_claimed = claimed_map(&input["root_claimed"]);
        match input["op"].as_str() {
            Some("add_stake") => {
                add_stake_adjust_root_claimed(&root_claimable, &mut root_claimed, amount)
            }
            Some("remove_stake") => {
                remove_stake_adjust_root_claimed(&root_claimable, &mut root_claimed, amount)
            }
            other => panic!("unknown op {other:?}"),
        }
        claimed_eq(
            &mut d,
            id,
            &root_claimed,
            &claimed_map(&case["output"]["root_claimed_after"]),
        );
    }
    d.finish(cases.len());
}
