//! Parity with the chain's registration pricing: every case of golden/registration/ and
//! golden/subnet/register_network.json, exactly.
//!
//! burn_decay_factor: the Q32 factor, its power and 1 TAO decayed over one half-life.
//! burn_trace_current: per block the decayed price, each registration's price and the price at
//! the block's end. burn_trace_legacy: adjustment case, burn and difficulty after the block
//! start, each attempt's result and the interval counter. network_lock_cost: the effective
//! interval and every sampled and paid lock. register_network: the median, the lock transfer and
//! the new pool (or the refusal).

mod common;

use serde_json::Value;
use sim_core::amm::{Pool, QuoteWeight};
use sim_core::registration::q32::{decay_factor_q32, mul_q32, pow_q32};
use sim_core::registration::{
    lock_reduction_interval, lock_reduction_interval_at_issuance, median_subnet_alpha_price,
    register_network_pool, AdjustmentCase, BurnBounds, BurnDecay, DecayBumpConfig, IntervalConfig,
    IntervalCounters, NetworkLock, NeuronRegistration, NeuronRegistrationConfig,
    RegisterNetworkError, RegistrationError, RegistrationKind,
};
use sim_core::rules::{Era, LockHandling, NeuronBurn};
use sim_core::{Alpha, Tao};
use substrate_fixed::types::U64F64;

fn u64_of(v: &Value, key: &str) -> u64 {
    common::u64_field(v, key)
}

fn u16_of(v: &Value, key: &str) -> u16 {
    u16::try_from(u64_of(v, key)).unwrap_or_else(|_| panic!("{key} is not a u16: {}", v[key]))
}

fn u64f64(v: &Value) -> U64F64 {
    U64F64::from_bits(common::as_u128(&v["bits"]).unwrap_or_else(|| panic!("not bits: {v}")))
}

use common::Diffs;

#[test]
fn burn_decay_factor_matches_every_half_life() {
    let file = common::golden("registration/burn_decay_factor.json");
    let cases = file["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 13);
    let mut d = Diffs::default();
    for case in cases {
        let half_life = u16_of(case, "half_life");
        let id = format!("half_life {half_life}");
        let factor = decay_factor_q32(half_life);
        d.eq(&id, "factor_q32", factor, u64_of(case, "factor_q32"));
        d.eq(
            &id,
            "factor via BurnDecay",
            BurnDecay::new(half_life).factor_q32(),
            factor,
        );
        d.eq(
            &id,
            "pow_q32(factor, half_life)",
            pow_q32(factor, half_life),
            u64_of(case, "pow_q32_factor_half_life"),
        );
        let decayed = (0..half_life).fold(1_000_000_000u64, |burn, _| mul_q32(burn, factor));
        d.eq(
            &id,
            "1 TAO after half_life blocks",
            decayed,
            u64_of(case, "burn_1tao_after_half_life_blocks"),
        );
    }
    d.finish(cases.len());
}

fn rao_list(v: &Value) -> Vec<u64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| common::as_u64(x).expect("u64"))
        .collect()
}

#[test]
fn burn_trace_current_matches_every_block() {
    let file = common::golden("registration/burn_trace_current.json");
    let traces = file["traces"].as_array().expect("traces");
    assert_eq!(traces.len(), 5);
    let mut d = Diffs::default();
    let mut blocks_checked = 0;
    for trace in traces {
        let name = trace["name"].as_str().expect("name");
        let p = &trace["params"];
        let config = NeuronRegistrationConfig {
            decay_bump: DecayBumpConfig {
                bounds: BurnBounds {
                    min: Tao(u64_of(p, "min_burn")),
                    max: Tao(u64_of(p, "max_burn")),
                },
                decay: BurnDecay::new(u16_of(p, "half_life")),
                increase_mult: u64f64(&p["burn_increase_mult"]),
            },
            interval: IntervalConfig::default(),
        };
        d.eq(
            name,
            "decay_factor_q32",
            config.decay_bump.decay.factor_q32(),
            u64_of(p, "decay_factor_q32"),
        );
        let mut state = NeuronRegistration {
            burn: Tao(u64_of(p, "start_burn")),
            ..NeuronRegistration::new_subnet(&Era::Current.rules())
        };
        let first = u64_of(p, "first_block");
        let num = u64_of(p, "num_blocks") as usize;
        let regs = rao_list(&trace["input_registrations_per_block"]);
        let after_decay = rao_list(&trace["burn_after_decay"]);
        let end_of_block = rao_list(&trace["burn_end_of_block"]);
        let costs = trace["registration_costs"].as_array().expect("costs");
        assert_eq!(
            [
                regs.len(),
                after_decay.len(),
                end_of_block.len(),
                costs.len()
            ],
            [num; 4]
        );
        for i in 0..num {
            let block = first + i as u64;
            let id = format!("{name} block {block}");
            let start = state.on_block(NeuronBurn::DecayAndBump, &config, block);
            d.eq(&id, "burn_after_decay", start.burn.rao(), after_decay[i]);
            d.eq(&id, "adjustment", start.adjustment, None);
            let mut paid = Vec::new();
            for _ in 0..regs[i] {
                let admission = state
                    .register(
                        NeuronBurn::DecayAndBump,
                        &config,
                        RegistrationKind::Burned,
                        Tao::MAX,
                        None,
                    )
                    .expect("balances are not modelled in the trace");
                paid.push(admission.price.rao());
            }
            d.eq(&id, "registration_costs", paid, rao_list(&costs[i]));
            d.eq(&id, "burn_end_of_block", state.burn.rao(), end_of_block[i]);
            blocks_checked += 1;
        }
    }
    assert_eq!(blocks_checked, 3 * 2000 + 60 + 200);
    d.finish(blocks_checked);
}

fn case_name(case: Option<AdjustmentCase>) -> Option<&'static str> {
    case.map(|c| match c {
        AdjustmentCase::A => "A",
        AdjustmentCase::B => "B",
        AdjustmentCase::C => "C",
        AdjustmentCase::D => "D",
        AdjustmentCase::E => "E",
        AdjustmentCase::F => "F",
    })
}

/// An attempt's result in the vector's shape: `ok{cost}` or the chain's error name.
fn attempt_result(result: Result<u64, RegistrationError>) -> String {
    match result {
        Ok(cost) => format!("ok {cost}"),
        Err(RegistrationError::TooManyRegistrationsThisBlock { .. }) => {
            "TooManyRegistrationsThisBlock".into()
        }
        Err(RegistrationError::TooManyRegistrationsThisInterval { .. }) => {
            "TooManyRegistrationsThisInterval".into()
        }
        Err(other) => format!("{other:?}"),
    }
}

fn expected_result(v: &Value) -> String {
    match (v.get("ok"), v.get("err")) {
        (Some(ok), None) => format!("ok {}", u64_of(ok, "cost")),
        (None, Some(err)) => err.as_str().expect("error name").to_string(),
        _ => panic!("bad result {v}"),
    }
}

#[test]
fn burn_trace_legacy_matches_every_block() {
    let file = common::golden("registration/burn_trace_legacy.json");
    let traces = file["traces"].as_array().expect("traces");
    assert_eq!(traces.len(), 4);
    let rule = NeuronBurn::IntervalSwapRecycleAlpha;
    let mut d = Diffs::default();
    let (mut listed, mut attempts_checked) = (0usize, 0usize);
    for trace in traces {
        let name = trace["name"].as_str().expect("name");
        let p = &trace["params"];
        let config = NeuronRegistrationConfig {
            decay_bump: DecayBumpConfig::default(),
            interval: IntervalConfig {
                adjustment_interval: u16_of(p, "adjustment_interval"),
                target_registrations_per_interval: u16_of(p, "target_registrations_per_interval"),
                adjustment_alpha: u64_of(p, "adjustment_alpha"),
                burn_bounds: BurnBounds {
                    min: Tao(u64_of(p, "min_burn")),
                    max: Tao(u64_of(p, "max_burn")),
                },
                min_difficulty: u64_of(p, "min_difficulty"),
                max_difficulty: u64_of(p, "max_difficulty"),
                max_registrations_per_block: u16_of(p, "max_registrations_per_block"),
            },
        };
        let mut state = NeuronRegistration {
            burn: Tao(u64_of(p, "start_burn")),
            difficulty: u64_of(p, "start_difficulty"),
            registrations_this_block: 0,
            interval: IntervalCounters {
                last_adjustment_block: u64_of(p, "initial_last_adjustment_block"),
                ..IntervalCounters::default()
            },
        };
        let blocks = trace["blocks"].as_array().expect("blocks");
        let mut next = blocks.iter().peekable();
        let first = u64_of(p, "first_block");
        for block in first..first + u64_of(p, "num_blocks") {
            let id = format!("{name} block {block}");
            let start = state.on_block(rule, &config, block);
            let want = match next.peek() {
                Some(b) if u64_of(b, "block") == block => next.next().expect("peeked"),
                _ => {
                    // Unlisted blocks have no attempt and, per the file, no adjustment.
                    d.eq(
                        &id,
                        "unlisted block adjustment",
                        case_name(start.adjustment),
                        None,
                    );
                    continue;
                }
            };
            listed += 1;
            d.eq(
                &id,
                "adjustment_case",
                case_name(start.adjustment),
                want["adjustment_case"].as_str(),
            );
            d.eq(&id, "burn", state.burn.rao(), u64_of(want, "burn"));
            d.eq(
                &id,
                "difficulty",
                state.difficulty,
                u64_of(want, "difficulty"),
            );
            for (k, attempt) in want["attempts"]
                .as_array()
                .expect("attempts")
                .iter()
                .enumerate()
            {
                let kind = match attempt["type"].as_str() {
                    Some("burn") => RegistrationKind::Burned,
                    Some("pow") => RegistrationKind::Pow,
                    other => panic!("unknown attempt type {other:?}"),
                };
                let got = state
                    .register(rule, &config, kind, Tao::MAX, None)
                    .map(|a| a.price.rao());
                d.eq(
                    &id,
                    &format!("attempt {k}"),
                    attempt_result(got),
                    expected_result(&attempt["result"]),
                );
                attempts_checked += 1;
            }
            d.eq(
                &id,
                "registrations_this_interval_after",
                u64::from(state.interval.registrations),
                u64_of(want, "registrations_this_interval_after"),
            );
        }
        assert!(
            next.next().is_none(),
            "{name}: listed blocks outside the trace"
        );
    }
    assert_eq!(listed, 48 + 142 + 47 + 43);
    assert_eq!(attempts_checked, 56 + 203 + 74 + 39);
    d.finish(listed);
}

#[test]
fn network_lock_cost_matches_every_sample() {
    let file = common::golden("registration/network_lock_cost.json");
    let traces = file["traces"].as_array().expect("traces");
    assert_eq!(traces.len(), 4);
    let mut d = Diffs::default();
    let mut checked = 0;
    for trace in traces {
        let name = trace["name"].as_str().expect("name");
        let p = &trace["params"];
        let storage_interval = u64_of(p, "network_lock_reduction_interval_storage");
        let interval = lock_reduction_interval(storage_interval, Tao(u64_of(p, "block_emission")));
        d.eq(
            name,
            "effective interval",
            interval,
            u64_of(p, "effective_lock_reduction_interval"),
        );
        d.eq(
            name,
            "effective interval from issuance",
            lock_reduction_interval_at_issuance(storage_interval, Tao(u64_of(p, "total_issuance"))),
            interval,
        );
        let min_lock = Tao(u64_of(p, "network_min_lock_cost"));
        let mut lock = NetworkLock {
            last_lock: Tao(u64_of(p, "initial_network_last_lock_cost")),
            last_lock_block: u64_of(p, "initial_last_lock_block"),
        };
        let events = trace["events"].as_array().expect("events");
        assert_eq!(events.len(), 25);
        for (e, event) in events.iter().enumerate() {
            for sample in event["samples_before"].as_array().expect("samples") {
                let block = u64_of(sample, "block");
                d.eq(
                    &format!("{name} event {e} block {block}"),
                    "lock_cost",
                    lock.cost(min_lock, interval, block).rao(),
                    u64_of(sample, "lock_cost"),
                );
                checked += 1;
            }
            let at = u64_of(event, "register_at_block");
            let paid = lock.cost(min_lock, interval, at);
            d.eq(
                &format!("{name} event {e} block {at}"),
                "lock_paid",
                paid.rao(),
                u64_of(event, "lock_paid"),
            );
            checked += 1;
            // The file books the cost itself as the last lock (no ED clamp in these traces).
            lock.record(Tao(u64_of(event, "lock_paid")), at);
        }
    }
    d.finish(checked);
}

#[test]
fn register_network_matches_every_case() {
    let file = common::golden("subnet/register_network.json");
    let cases = file["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 20);
    let mut d = Diffs::default();
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let input = &case["input"];
        let out = &case["output"];
        let prices: Vec<U64F64> = input["other_subnet_prices"]
            .as_array()
            .expect("prices")
            .iter()
            .map(u64f64)
            .collect();
        assert_eq!(
            u64_of(input, "existential_deposit"),
            500,
            "{id}: ED is a constant here"
        );
        let result = register_network_pool(
            LockHandling::PoolAtMedianPrice,
            Tao(u64_of(input, "lock_cost")),
            Tao(u64_of(input, "coldkey_free_balance")),
            Tao(u64_of(input, "network_min_lock")),
            median_subnet_alpha_price(prices.iter().copied()).price,
        );
        if let Some(err) = out.get("err") {
            d.eq(id, "err", err.as_str(), Some("CannotAffordLockCost"));
            d.eq(
                id,
                "refused",
                matches!(
                    result,
                    Err(RegisterNetworkError::CannotAffordLockCost { .. })
                ),
                true,
            );
            continue;
        }
        let median = median_subnet_alpha_price(prices.iter().copied());
        d.eq(
            id,
            "median",
            median.price,
            u64f64(&out["median_subnet_alpha_price"]),
        );
        d.eq(
            id,
            "prices_counted",
            median.counted as u64,
            u64_of(out, "prices_counted"),
        );
        let want_targets = out["median_targets"].as_array().map(|t| {
            (
                common::as_u64(&t[0]).expect("target") as usize,
                common::as_u64(&t[1]).expect("target") as usize,
            )
        });
        d.eq(id, "median_targets", median.targets, want_targets);
        let pool = match result {
            Ok(pool) => pool,
            Err(e) => {
                d.0.push(format!("{id}: refused with {e}"));
                continue;
            }
        };
        d.eq(
            id,
            "actual lock",
            pool.actual_lock.rao(),
            u64_of(out, "actual_tao_lock_amount"),
        );
        d.eq(
            id,
            "subnet_tao",
            pool.subnet_tao.rao(),
            u64_of(out, "subnet_tao"),
        );
        d.eq(
            id,
            "subnet_alpha_in",
            pool.alpha_in.rao(),
            u64_of(out, "subnet_alpha_in"),
        );
        d.eq(
            id,
            "subnet_alpha_out",
            pool.alpha_out.rao(),
            u64_of(out, "subnet_alpha_out"),
        );
        d.eq(
            id,
            "recycled",
            pool.recycled.rao(),
            u64_of(out, "tao_recycled_for_registration"),
        );
        d.eq(
            id,
            "subnet_locked",
            pool.subnet_locked.rao(),
            u64_of(out, "subnet_locked"),
        );
        d.eq(
            id,
            "total_stake_increase",
            pool.total_stake_increase.rao(),
            u64_of(out, "total_stake_increase"),
        );
        d.eq(
            id,
            "emission enabled",
            Some(pool.emission_enabled),
            out["subnet_emission_enabled"].as_bool(),
        );
        let spot = Pool::new(
            pool.subnet_tao,
            Alpha(pool.alpha_in.rao()),
            QuoteWeight::HALF,
        )
        .current_price();
        d.eq(
            id,
            "price_with_default_weight",
            spot,
            u64f64(&out["price_with_default_weight"]),
        );
    }
    d.finish(cases.len());
}
