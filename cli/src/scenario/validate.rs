//! Stage 2: typed values, defaults, ranges and cross-references. Every problem is collected,
//! not only the first, so a user fixes a file in one pass.

use super::wire::*;
use super::{Problem, Scenario};
use serde_json::json;
use sim_core::amm::{Pool, QuoteWeight};
use sim_core::events::{EventAction, RecycleFlow, ScheduledEvent};
use sim_core::ledger::{Holder, RecycleReason};
use sim_core::neurons::{Hotkey, HotkeyId, DEFAULT_DELEGATE_TAKE};
use sim_core::params::Params;
use sim_core::price::{PriceConfig, PriceModel};
use sim_core::rules::{Era, RuleOverride, Rules};
use sim_core::sim::SimConfig;
use sim_core::subnet::{Mechanism, Subnet};
use sim_core::time::{parse_utc, DEFAULT_BLOCK_MILLIS};
use sim_core::units::{format_rao, parse_tokens, Alpha, ColdkeyId, NetUid, Tao};
use std::path::Path;
use substrate_fixed::types::I96F32;

/// Longest run accepted: 100 years of 12 s blocks.
const MAX_BLOCKS: u64 = 263_000_000;
/// Default `network` trace cadence: one row a day.
const DEFAULT_NETWORK_EVERY: u64 = 7_200;

struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            location: String::new(),
            key: key.into(),
            message: message.into(),
        });
    }
}

pub fn validate(w: WireScenario, path: &Path, sha256: String) -> Result<Scenario, Vec<Problem>> {
    let mut p = Problems(Vec::new());

    let name = w.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into())
    });
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        p.add(
            "name",
            format!("= {name:?}: must be non-empty and use only letters, digits, '-', '_' and '.'"),
        );
    }
    let seed = w.seed.unwrap_or(0);
    let blocks = w.blocks.unwrap_or(0);
    if !(1..=MAX_BLOCKS).contains(&blocks) {
        match w.blocks {
            None => p.add(
                "blocks",
                "missing: the number of blocks to simulate (1 to 263000000)",
            ),
            Some(b) => p.add(
                "blocks",
                format!("= {b}: must be between 1 and {MAX_BLOCKS}"),
            ),
        }
    }

    let state = w
        .initial
        .as_ref()
        .and_then(|i| i.state.as_ref())
        .and_then(|rel| {
            let full = path.parent().unwrap_or(Path::new(".")).join(rel);
            super::saved_state::load(&full)
                .map_err(|e| p.add("initial.state", format!("= {rel:?}: {e}")))
                .ok()
        });
    let (start_block, start_ms, total_issuance, start_date) = match (&state, &w.start) {
        (Some(s), None) => (
            s.block,
            s.time_ms,
            s.network.ledger.total_issuance(),
            sim_core::time::format_utc_minutes(s.time_ms),
        ),
        (state, start) => {
            if state.is_some() {
                p.add(
                    "start",
                    "not allowed with initial.state: the saved state sets the start block, date and issuance",
                );
            }
            let Some(start) = start else {
                p.add(
                    "start",
                    "missing: the start block, date and total issuance (or [initial] state)",
                );
                return Err(p.0);
            };
            let start_ms = parse_utc(&start.date).unwrap_or_else(|e| {
                p.add("start.date", format!("= {:?}: {e}", start.date));
                0
            });
            let total_issuance =
                amount(&mut p, "start.total_issuance", &start.total_issuance).unwrap_or(Tao::ZERO);
            (start.block, start_ms, total_issuance, start.date.clone())
        }
    };
    if total_issuance > Tao(sim_core::emission::TOTAL_SUPPLY) {
        p.add(
            "start.total_issuance",
            format!("= {total_issuance}: must not exceed the 21,000,000 TAO supply"),
        );
    }

    let (rules, rule_doc) = rules(&mut p, w.rules.as_ref());

    let block_ms = match w.time.as_ref().and_then(|t| t.block_seconds) {
        None => DEFAULT_BLOCK_MILLIS,
        Some(n) => millis(&mut p, "time.block_seconds", n, 1.0 / 1000.0, 86_400.0)
            .unwrap_or(DEFAULT_BLOCK_MILLIS),
    };
    let network_every = w
        .trace
        .as_ref()
        .and_then(|t| t.network_every)
        .unwrap_or(DEFAULT_NETWORK_EVERY);
    if network_every == 0 {
        p.add("trace.network_every", "= 0: must be at least 1 block");
    }
    let subnets_every = w
        .trace
        .as_ref()
        .and_then(|t| t.subnets_every)
        .unwrap_or(DEFAULT_NETWORK_EVERY);
    if subnets_every == 0 {
        p.add("trace.subnets_every", "= 0: must be at least 1 block");
    }
    let neurons_every = w
        .trace
        .as_ref()
        .and_then(|t| t.neurons_every)
        .unwrap_or(DEFAULT_NETWORK_EVERY);
    if neurons_every == 0 {
        p.add("trace.neurons_every", "= 0: must be at least 1 block");
    }
    let positions_every = w
        .trace
        .as_ref()
        .and_then(|t| t.positions_every)
        .unwrap_or(DEFAULT_NETWORK_EVERY);
    if positions_every == 0 {
        p.add("trace.positions_every", "= 0: must be at least 1 block");
    }

    let snapshot_path = w.initial.as_ref().and_then(|i| i.subnets_snapshot.clone());
    let subnets = match &snapshot_path {
        None => Vec::new(),
        Some(rel) => {
            let full = path.parent().unwrap_or(Path::new(".")).join(rel);
            super::snapshot::load(&full, start_block).unwrap_or_else(|e| {
                p.add("initial.subnets_snapshot", format!("= {rel:?}: {e}"));
                Vec::new()
            })
        }
    };
    let mut subnets = subnets;
    if let (Some(_), Some(initial)) = (&state, &w.initial) {
        let given = [
            ("subnets_snapshot", initial.subnets_snapshot.is_some()),
            ("root_stake", initial.root_stake.is_some()),
            ("uniform_subnets", initial.uniform_subnets.is_some()),
            ("root_validators", !initial.root_validators.is_empty()),
            ("hyperparameters", !initial.hyperparameters.is_empty()),
        ];
        for (key, _) in given.iter().filter(|(_, g)| *g) {
            p.add(
                format!("initial.{key}"),
                "not allowed with initial.state: the saved state has the subnets",
            );
        }
    }
    if let Some(initial) = &w.initial {
        initial_subnets(&mut p, initial, start_block, &mut subnets);
        for (i, h) in initial.hyperparameters.iter().enumerate() {
            hyperparameters(
                &mut p,
                &format!("initial.hyperparameters[{i}]"),
                h,
                &mut subnets,
            );
        }
    }
    let pooled: u128 = subnets.iter().map(|s| s.pool.tao_reserve.0 as u128).sum();
    let price = w.price.as_ref().and_then(|wp| price(&mut p, wp, path));

    let mut params = Params::default();
    for (key, value) in w.params.iter().flatten() {
        let at = format!("params.{key}");
        match param_value(value) {
            Ok(v) => {
                if let Err(e) = params.set(key, v) {
                    p.add(at, e.trim_start_matches(&format!("{key} ")).to_string());
                }
            }
            Err(e) => p.add(at, format!("= {value}: {e}")),
        }
    }

    let mut accounts: Vec<(String, Tao)> = Vec::new();
    for (i, a) in w.accounts.iter().enumerate() {
        let at = format!("accounts[{i}]");
        if a.coldkey.is_empty() || a.coldkey == "rest" {
            p.add(
                format!("{at}.coldkey"),
                format!(
                    "= {:?}: must be non-empty and not the reserved name \"rest\"",
                    a.coldkey
                ),
            );
        } else if accounts.iter().any(|(n, _)| *n == a.coldkey) {
            p.add(
                format!("{at}.coldkey"),
                format!("= {:?}: a coldkey may be declared once", a.coldkey),
            );
        }
        let balance = amount(&mut p, &format!("{at}.balance"), &a.balance).unwrap_or(Tao::ZERO);
        accounts.push((a.coldkey.clone(), balance));
    }
    // With a saved state the accounts come after the state's own coldkeys and are paid from its
    // unmodelled rest.
    let first_account = state.as_ref().map_or(0, |s| s.network.ledger.accounts());
    let available = state
        .as_ref()
        .map_or(total_issuance.0, |s| s.network.ledger.unmodelled().0);
    let named: u128 = accounts.iter().map(|(_, b)| b.0 as u128).sum::<u128>() + pooled;
    if named > available as u128 {
        p.add(
            "accounts",
            format!(
                "balances and snapshot pools add up to {} TAO: must not exceed start.total_issuance = {total_issuance}",
                format_rao(named.min(u64::MAX as u128) as u64)
            ),
        );
    }
    let holder = |p: &mut Problems, key: &str, from: Option<&String>| -> Holder {
        match from.map(String::as_str) {
            None | Some("rest") => Holder::Unmodelled,
            Some(name) => match accounts.iter().position(|(n, _)| n == name) {
                Some(i) => Holder::Account(ColdkeyId((first_account + i) as u32)),
                None => {
                    p.add(key, format!("= {name:?}: no such coldkey in [[accounts]] (or \"rest\" for the unmodelled network)"));
                    Holder::Unmodelled
                }
            },
        }
    };

    let mut flows = Vec::new();
    for (i, r) in w.recycling.iter().enumerate() {
        let at = format!("recycling[{i}]");
        let reason = recycle_reason(&mut p, &format!("{at}.reason"), Some(&r.reason));
        let rate =
            amount(&mut p, &format!("{at}.tao_per_day"), &r.tao_per_day).unwrap_or(Tao::ZERO);
        let from = holder(&mut p, &format!("{at}.from"), r.from.as_ref());
        if let (Some(a), Some(b)) = (r.from_block, r.until_block) {
            if b < a {
                p.add(
                    format!("{at}.until_block"),
                    format!("= {b}: must not be before from_block = {a}"),
                );
            }
        }
        flows.push(RecycleFlow {
            reason,
            from,
            rao_per_day: rate.0,
            from_block: r.from_block.unwrap_or(0),
            until_block: r.until_block,
        });
    }

    let mut subnets = subnets;
    let hotkeys = match &w.initial {
        Some(initial) => root_validators(&mut p, initial, &accounts, &mut subnets),
        None => Vec::new(),
    };

    let mut events = Vec::new();
    for (i, e) in w.events.iter().enumerate() {
        let at = format!("events[{i}]");
        if e.at_block <= start_block {
            p.add(
                format!("{at}.at_block"),
                format!("= {}: must be after start.block = {start_block} (the start state is after that block)", e.at_block),
            );
        }
        if let Some(action) = event_action(&mut p, &at, e, &holder) {
            let coldkey = match &action {
                EventAction::RegisterNeurons { coldkey, .. }
                | EventAction::RegisterSubnet { coldkey, .. }
                | EventAction::StartCall { coldkey, .. }
                | EventAction::AddStake { coldkey, .. }
                | EventAction::RemoveStake { coldkey, .. }
                | EventAction::MoveStake { coldkey, .. }
                | EventAction::UnstakeAll { coldkey, .. } => Some(coldkey),
                _ => None,
            };
            let in_state = |c: &str| {
                state
                    .as_ref()
                    .is_some_and(|s| s.network.ledger.coldkey_id(c).is_some())
            };
            if let Some(c) =
                coldkey.filter(|c| !accounts.iter().any(|(n, _)| n == *c) && !in_state(c))
            {
                p.add(
                    format!("{at}.coldkey"),
                    format!("= {c:?}: no such account in [[accounts]]"),
                );
            }
            events.push(ScheduledEvent {
                at_block: e.at_block,
                action,
            });
        }
    }

    for (i, d) in w.registration_demand.iter().enumerate() {
        if let Some(event) =
            registration_demand(&mut p, &format!("registration_demand[{i}]"), d, start_block)
        {
            events.push(event);
        }
    }
    let netuids: Vec<NetUid> = state
        .as_ref()
        .map_or(&subnets, |s| &s.network.subnets)
        .iter()
        .filter(|s| !s.is_root())
        .map(|s| s.netuid)
        .collect();
    let agents = agents::parse(
        &w.agents,
        &agents::SpecContext {
            netuids: &netuids,
            start_block,
        },
    )
    .unwrap_or_else(|problems| {
        for q in problems {
            p.add(q.key, q.message);
        }
        Vec::new()
    });

    if !p.0.is_empty() {
        return Err(p.0);
    }
    let resolved = json!({
        "name": name,
        "description": w.description.clone().unwrap_or_default(),
        "seed": seed,
        "blocks": blocks,
        "start": {
            "block": start_block,
            "date": start_date,
            "total_issuance_rao": total_issuance.0,
        },
        "rules": rule_doc,
        "time": { "block_millis": block_ms },
        "trace": {
            "network_every": network_every,
            "subnets_every": subnets_every,
            "neurons_every": neurons_every,
            "positions_every": positions_every,
        },
        "agents": agents.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>(),
        "initial": {
            "subnets_snapshot": snapshot_path,
            "subnets": subnets.len(),
            "root_stake_rao": subnets.iter().find(|s| s.is_root()).map(|s| s.pool.tao_reserve.0),
        },
        "price": price.as_ref().map(|c| format!("{c:?}")),
        "params": params,
        "accounts": accounts.iter().map(|(n, b)| json!({"coldkey": n, "balance_rao": b.0})).collect::<Vec<_>>(),
        "recycling": flows.iter().map(|f| json!({
            "reason": f.reason.name(),
            "from": holder_name(&accounts, f.from),
            "rao_per_day": f.rao_per_day,
            "from_block": f.from_block,
            "until_block": f.until_block,
        })).collect::<Vec<_>>(),
        "events": events.iter().map(|e| json!({
            "at_block": e.at_block,
            "action": format!("{:?}", e.action),
        })).collect::<Vec<_>>(),
    });
    Ok(Scenario {
        path: path.to_path_buf(),
        name,
        sha256,
        blocks,
        agents,
        config: SimConfig {
            seed,
            start_block,
            start_ms,
            block_ms,
            total_issuance,
            accounts,
            subnets,
            hotkeys,
            rules,
            params,
            events,
            flows,
            network_every,
            subnets_every,
            neurons_every,
            positions_every,
            invariants_every: 7_200,
            price: price.clone(),
            state: state.map(Box::new),
        },
        resolved,
    })
}

/// `[[initial.hyperparameters]]`: one subnet's Yuma hyperparameters over the defaults.
fn hyperparameters(p: &mut Problems, at: &str, h: &WireHyperparameters, subnets: &mut [Subnet]) {
    let Some(s) = subnets
        .iter_mut()
        .find(|s| u64::from(s.netuid.0) == h.netuid && !s.is_root())
    else {
        p.add(
            format!("{at}.netuid"),
            format!("= {}: no such non-root subnet in [initial]", h.netuid),
        );
        return;
    };
    let hy = &mut s.hyper;
    hy.yuma3 = h.yuma3.unwrap_or(hy.yuma3);
    hy.liquid_alpha = h.liquid_alpha.unwrap_or(hy.liquid_alpha);
    if let Some(v) = h.bonds_moving_average {
        if v > 975_000 {
            p.add(
                format!("{at}.bonds_moving_average"),
                format!("= {v}: at most 975000 parts per million (the chain's cap)"),
            );
        }
        hy.bonds_moving_average = v;
    }
    if let Some(v) = h.kappa {
        match u16::try_from(v) {
            Ok(k) => hy.kappa = k,
            Err(_) => p.add(
                format!("{at}.kappa"),
                format!("= {v}: must fit a u16 (0..65535)"),
            ),
        }
    }
    if let Some(a) = &h.stake_threshold {
        if let Some(t) = amount(p, &format!("{at}.stake_threshold"), a) {
            hy.stake_threshold = t.0;
        }
    }
    if let Some(v) = h.max_allowed_validators {
        match u16::try_from(v) {
            Ok(m) if (1..=256).contains(&m) => hy.max_allowed_validators = m,
            _ => p.add(
                format!("{at}.max_allowed_validators"),
                format!("= {v}: must be between 1 and 256"),
            ),
        }
    }
}

/// The root subnet and uniform subnets of `[initial]`, added to the snapshot's.
fn initial_subnets(
    p: &mut Problems,
    initial: &WireInitial,
    start_block: u64,
    subnets: &mut Vec<Subnet>,
) {
    if let Some(stake) = &initial.root_stake {
        if subnets.iter().any(|s| s.is_root()) {
            p.add(
                "initial.root_stake",
                "is given twice: the snapshot already has netuid 0",
            );
        } else if let Some(tao) = amount(p, "initial.root_stake", stake) {
            let mut root = Subnet::new(
                NetUid(0),
                Pool::new(tao, Alpha::ZERO, QuoteWeight::HALF),
                100,
                0,
            );
            root.mechanism = Mechanism::Stable;
            root.name = "root".to_string();
            subnets.push(root);
        }
    }
    if let Some(u) = &initial.uniform_subnets {
        let at = "initial.uniform_subnets";
        let first = u.first_netuid.unwrap_or(1);
        let tempo = u.tempo.unwrap_or(360);
        let mut ok = true;
        if u.count == 0 || u.count > 1_024 {
            p.add(
                format!("{at}.count"),
                format!("= {}: must be between 1 and 1024", u.count),
            );
            ok = false;
        }
        if first == 0 || first + u.count > u64::from(u16::MAX) {
            p.add(
                format!("{at}.first_netuid"),
                format!("= {first}: netuids must be between 1 and 65535 (0 is root)"),
            );
            ok = false;
        }
        if !(1..=50_400).contains(&tempo) {
            p.add(
                format!("{at}.tempo"),
                format!("= {tempo}: must be between 1 and 50400"),
            );
            ok = false;
        }
        let tao = amount(p, &format!("{at}.tao"), &u.tao);
        let alpha_in = amount(p, &format!("{at}.alpha_in"), &u.alpha_in);
        let alpha_out = match &u.alpha_out {
            Some(a) => amount(p, &format!("{at}.alpha_out"), a),
            None => Some(Tao::ZERO),
        };
        let moving_price = u.moving_price.map(number).unwrap_or(0.0);
        if !(0.0..=1e6).contains(&moving_price) {
            p.add(
                format!("{at}.moving_price"),
                format!("= {moving_price}: must be between 0 and 1e6"),
            );
            ok = false;
        }
        let threshold = match &u.stake_threshold {
            Some(a) => amount(p, &format!("{at}.stake_threshold"), a),
            None => Some(Tao(sim_core::neurons::YumaHyper::default().stake_threshold)),
        };
        let (Some(tao), Some(alpha_in), Some(alpha_out), Some(threshold), true) =
            (tao, alpha_in, alpha_out, threshold, ok)
        else {
            return;
        };
        for netuid in first..first + u.count {
            let netuid = NetUid(netuid as u16);
            if subnets.iter().any(|s| s.netuid == netuid) {
                p.add(
                    format!("{at}"),
                    format!("netuid {netuid} is already given by the snapshot"),
                );
                return;
            }
            let mut s = Subnet::new(
                netuid,
                Pool::new(tao, Alpha(alpha_in.0), QuoteWeight::HALF),
                tempo as u16,
                start_block,
            );
            s.name = format!("subnet {}", netuid.0);
            s.alpha_out = Alpha(alpha_out.0);
            s.moving_price = I96F32::from_num(moving_price);
            s.first_emission_block = Some(start_block);
            s.hyper.stake_threshold = threshold.0;
            subnets.push(s);
        }
    }
    subnets.sort_by_key(|s| s.netuid);
}

fn number(n: WireNumber) -> f64 {
    match n {
        WireNumber::Int(i) => i as f64,
        WireNumber::Float(f) => f,
    }
}

/// `[price]`: the model and its parameters, each checked against its range.
fn price(p: &mut Problems, w: &WirePrice, scenario: &Path) -> Option<PriceConfig> {
    let before = p.0.len();
    let model = match w.model.as_str() {
        "constant" => PriceModel::Constant,
        "gbm" => {
            let drift = price_param(
                p,
                w,
                "drift_per_year",
                w.drift_per_year,
                Some(0.0),
                -10.0,
                10.0,
            );
            let vol = price_param(
                p,
                w,
                "volatility_per_year",
                w.volatility_per_year,
                None,
                0.0,
                10.0,
            );
            let step = w.step_blocks.unwrap_or(7_200);
            if step == 0 {
                p.add("price.step_blocks", "= 0: must be at least 1 block");
            }
            PriceModel::Gbm {
                drift_per_year: drift,
                volatility_per_year: vol,
                step_blocks: step.max(1),
            }
        }
        "csv" => {
            let Some(rel) = &w.csv else {
                p.add("price.csv", "missing: required by model = \"csv\"");
                return None;
            };
            let file = scenario.parent().unwrap_or(Path::new(".")).join(rel);
            match price_table(&file) {
                Ok(rows) => PriceModel::Table(rows),
                Err(e) => {
                    p.add("price.csv", format!("= {rel:?}: {e}"));
                    return None;
                }
            }
        }
        other => {
            p.add(
                "price.model",
                format!("= {other:?}: unknown price model (known: constant, gbm, csv)"),
            );
            return None;
        }
    };
    let default_start = match &model {
        PriceModel::Table(rows) => rows.first().map(|r| r.1),
        _ => None,
    };
    let start = price_param(p, w, "tao_usd", w.tao_usd, default_start, 1e-9, 1e9);
    (p.0.len() == before).then_some(PriceConfig {
        start_tao_usd: start,
        model,
    })
}

/// One numeric `[price]` key: present (or defaulted) and within its range.
fn price_param(
    p: &mut Problems,
    w: &WirePrice,
    key: &str,
    v: Option<WireNumber>,
    default: Option<f64>,
    min: f64,
    max: f64,
) -> f64 {
    match v.map(number).or(default) {
        None => {
            p.add(
                format!("price.{key}"),
                format!("missing: required by model = {:?}", w.model),
            );
            0.0
        }
        Some(x) if !x.is_finite() || x < min || x > max => {
            p.add(
                format!("price.{key}"),
                format!("= {x}: must be between {min} and {max}"),
            );
            0.0
        }
        Some(x) => x,
    }
}

/// Reads `date,price` rows (a header line first), sorted by date.
fn price_table(file: &Path) -> Result<Vec<(i64, f64)>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let (date, price) = line
            .split_once(',')
            .ok_or_else(|| format!("line {}: expected date,price", i + 1))?;
        let t = parse_utc(date.trim()).map_err(|e| format!("line {}: {e}", i + 1))?;
        let v: f64 = price
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v > 0.0)
            .ok_or_else(|| format!("line {}: `{}` is not a positive price", i + 1, price.trim()))?;
        rows.push((t, v));
    }
    if rows.is_empty() {
        return Err("no price rows".into());
    }
    rows.sort_by_key(|r| r.0);
    Ok(rows)
}

fn holder_name(accounts: &[(String, Tao)], h: Holder) -> String {
    match h {
        Holder::Unmodelled => "rest".into(),
        Holder::Account(id) => accounts[id.0 as usize].0.clone(),
    }
}

/// A TAO amount from any of the accepted spellings, exactly.
fn amount(p: &mut Problems, key: &str, a: &WireAmount) -> Option<Tao> {
    let parsed = match a {
        WireAmount::Int(i) if *i < 0 => Err("must not be negative".to_string()),
        WireAmount::Int(i) => parse_tokens(&i.to_string()),
        WireAmount::Float(f) if !f.is_finite() => Err("must be a finite number".to_string()),
        WireAmount::Float(f) if *f < 0.0 => Err("must not be negative".to_string()),
        // Rust prints the shortest decimal that reads back as the same f64, so a value written
        // with at most 9 decimals converts exactly.
        WireAmount::Float(f) => parse_tokens(&format!("{f}")),
        WireAmount::Text(s) => {
            let s = s.trim();
            if let Some(r) = s.strip_suffix("rao") {
                let r = r.trim();
                if r.starts_with('-') {
                    Err("must not be negative".to_string())
                } else {
                    r.replace('_', "")
                        .parse::<u64>()
                        .map_err(|_| format!("`{r}` is not a whole number of rao"))
                }
            } else {
                parse_tokens(s.strip_suffix("TAO").unwrap_or(s).trim())
            }
        }
    };
    match parsed {
        Ok(rao) => Some(Tao(rao)),
        Err(e) => {
            let shown = match a {
                WireAmount::Int(i) => i.to_string(),
                WireAmount::Float(f) => f.to_string(),
                WireAmount::Text(s) => format!("{s:?}"),
            };
            p.add(
                key,
                format!(
                    "= {shown}: {e} (amounts are TAO, e.g. 1.5 or \"1.5 TAO\" or \"1500 rao\")"
                ),
            );
            None
        }
    }
}

/// A duration in whole milliseconds from a number of `unit`s (seconds: 1.0, hours: 3600.0).
fn millis(p: &mut Problems, key: &str, n: WireNumber, min: f64, max: f64) -> Option<u64> {
    let v = match n {
        WireNumber::Int(i) => i as f64,
        WireNumber::Float(f) => f,
    };
    if !v.is_finite() || v < min || v > max {
        p.add(key, format!("= {v}: must be between {min} and {max}"));
        return None;
    }
    Some((v * 1000.0).round() as u64)
}

fn param_value(v: &toml::Value) -> Result<u64, String> {
    match v {
        toml::Value::Integer(i) if *i < 0 => Err("must not be negative".into()),
        toml::Value::Integer(i) => Ok(*i as u64),
        toml::Value::String(s) => s
            .replace('_', "")
            .parse()
            .map_err(|_| "must be a whole number".into()),
        _ => Err("must be a whole number (write values above 2^63 as a string)".into()),
    }
}

fn recycle_reason(p: &mut Problems, key: &str, name: Option<&String>) -> RecycleReason {
    let Some(name) = name else {
        return RecycleReason::ScenarioEvent;
    };
    RecycleReason::from_name(name).unwrap_or_else(|| {
        let known: Vec<&str> = RecycleReason::ALL.iter().map(|r| r.name()).collect();
        p.add(
            key,
            format!(
                "= {name:?}: unknown recycle reason (known: {})",
                known.join(", ")
            ),
        );
        RecycleReason::ScenarioEvent
    })
}

fn era(p: &mut Problems, key: &str, name: &str) -> Option<Era> {
    Era::from_name(name).or_else(|| {
        let known: Vec<&str> = Era::ALL.iter().map(|e| e.name()).collect();
        p.add(
            key,
            format!("= {name:?}: unknown era (known: {})", known.join(", ")),
        );
        None
    })
}

/// One mechanism override, `rule` naming the mechanism and `variant` its value.
fn rule_override(rule: &str, variant: &str) -> Result<RuleOverride, String> {
    fn parse<T: serde::de::DeserializeOwned>(v: &str) -> Result<T, String> {
        serde_json::from_value(serde_json::Value::String(v.to_string())).map_err(|e| e.to_string())
    }
    Ok(match rule {
        "emission_split" => RuleOverride::EmissionSplit(parse(variant)?),
        "amm" => RuleOverride::Amm(parse(variant)?),
        "injection" => RuleOverride::Injection(parse(variant)?),
        "root_dividends" => RuleOverride::RootDividends(parse(variant)?),
        "neuron_burn" => RuleOverride::NeuronBurn(parse(variant)?),
        "lock_handling" => RuleOverride::LockHandling(parse(variant)?),
        "epoch_schedule" => RuleOverride::EpochSchedule(parse(variant)?),
        "moving_price" => RuleOverride::MovingPrice(parse(variant)?),
        "fee_destination" => RuleOverride::FeeDestination(parse(variant)?),
        _ => {
            return Err(format!(
                "unknown rule `{rule}` (known: emission_split, amm, injection, root_dividends, neuron_burn, \
                 lock_handling, epoch_schedule, moving_price, fee_destination)"
            ))
        }
    })
}

fn rules(p: &mut Problems, w: Option<&WireRules>) -> (Rules, serde_json::Value) {
    let Some(w) = w else {
        return (Rules::default(), json!(Rules::default()));
    };
    let mut rules = w
        .era
        .as_deref()
        .and_then(|e| era(p, "rules.era", e))
        .unwrap_or(Era::Current)
        .rules();
    let overrides = [
        ("emission_split", &w.emission_split),
        ("amm", &w.amm),
        ("injection", &w.injection),
        ("root_dividends", &w.root_dividends),
        ("neuron_burn", &w.neuron_burn),
        ("lock_handling", &w.lock_handling),
        ("epoch_schedule", &w.epoch_schedule),
        ("moving_price", &w.moving_price),
        ("fee_destination", &w.fee_destination),
    ];
    for (rule, variant) in overrides {
        if let Some(v) = variant {
            match rule_override(rule, v) {
                Ok(o) => rules.apply(o),
                Err(e) => p.add(format!("rules.{rule}"), format!("= {v:?}: {e}")),
            }
        }
    }
    (rules, json!(rules))
}

/// `[[initial.root_validators]]`: root neurons with their root stake (a share pool of their
/// coldkey on root, within `root_stake`) and weights over netuids, for the pre-dTAO root network.
fn root_validators(
    p: &mut Problems,
    initial: &WireInitial,
    accounts: &[(String, Tao)],
    subnets: &mut [Subnet],
) -> Vec<Hotkey> {
    let mut hotkeys = Vec::new();
    if initial.root_validators.is_empty() {
        return hotkeys;
    }
    let netuids: Vec<u16> = subnets.iter().map(|s| s.netuid.0).collect();
    let Some(root) = subnets.iter_mut().find(|s| s.is_root()) else {
        p.add(
            "initial.root_validators",
            "needs the root subnet: give initial.root_stake or a snapshot with netuid 0",
        );
        return hotkeys;
    };
    let mut staked = 0u128;
    for (i, v) in initial.root_validators.iter().enumerate() {
        let at = format!("initial.root_validators[{i}]");
        let Some(coldkey) = accounts.iter().position(|(n, _)| *n == v.coldkey) else {
            p.add(
                format!("{at}.coldkey"),
                format!("= {:?}: no such account in [[accounts]]", v.coldkey),
            );
            continue;
        };
        if hotkeys.iter().any(|h: &Hotkey| h.name == v.hotkey) || v.hotkey.is_empty() {
            p.add(
                format!("{at}.hotkey"),
                format!("= {:?}: must be a new, non-empty name", v.hotkey),
            );
            continue;
        }
        let Some(stake) = amount(p, &format!("{at}.stake"), &v.stake) else {
            continue;
        };
        let mut row = Vec::new();
        for (key, value) in &v.weights {
            let netuid = key.parse::<u16>().ok().filter(|n| netuids.contains(n));
            let weight = value.as_integer().filter(|w| (0..=65_535).contains(w));
            match (netuid, weight) {
                (Some(n), Some(w)) => row.push((n, w as u16)),
                (None, _) => p.add(
                    format!("{at}.weights.{key}"),
                    "must be the netuid of a modelled subnet (0 is root)",
                ),
                (_, None) => p.add(
                    format!("{at}.weights.{key}"),
                    format!("= {value}: must be an integer between 0 and 65535"),
                ),
            }
        }
        row.sort_unstable();
        staked += u128::from(stake.0);
        let hk = HotkeyId(hotkeys.len() as u32);
        hotkeys.push(Hotkey {
            name: v.hotkey.clone(),
            owner: ColdkeyId(coldkey as u32),
            delegate_take: DEFAULT_DELEGATE_TAKE,
        });
        let uid = root.neurons.push(hk, 0);
        root.neurons.weights[uid as usize] = row;
        root.pools
            .entry(hk)
            .or_default()
            .stake(&ColdkeyId(coldkey as u32), stake.0);
    }
    if staked > u128::from(root.pool.tao_reserve.0) {
        p.add(
            "initial.root_validators",
            format!(
                "stakes add up to {} TAO, more than initial.root_stake = {} TAO",
                format_rao(staked as u64),
                format_rao(root.pool.tao_reserve.0)
            ),
        );
    }
    hotkeys
}

/// A netuid of a registration event: 1..=65535 (root takes no registrations here).
fn event_netuid(p: &mut Problems, at: &str, netuid: u64) -> Option<NetUid> {
    if netuid == 0 || netuid > u64::from(u16::MAX) {
        p.add(
            format!("{at}.netuid"),
            format!("= {netuid}: must be between 1 and 65535 (0 is root)"),
        );
        return None;
    }
    Some(NetUid(netuid as u16))
}

/// The coldkey of a registration event: a named account (`[[accounts]]`), checked when the
/// accounts are known (see [`validate`]).
fn event_coldkey(p: &mut Problems, at: &str, coldkey: &str) -> Option<String> {
    if coldkey.is_empty() || coldkey == "rest" {
        p.add(
            format!("{at}.coldkey"),
            format!("= {coldkey:?}: must name an account of [[accounts]]"),
        );
        return None;
    }
    Some(coldkey.to_string())
}

/// A netuid of a staking event: root (0) included.
fn event_netuid_or_root(p: &mut Problems, key: &str, netuid: u64) -> Option<NetUid> {
    match u16::try_from(netuid) {
        Ok(n) => Some(NetUid(n)),
        Err(_) => {
            p.add(key, format!("= {netuid}: must be between 0 and 65535"));
            None
        }
    }
}

/// The hotkey of a staking event: any non-empty name.
fn event_hotkey(p: &mut Problems, at: &str, hotkey: &str) -> Option<String> {
    if hotkey.is_empty() {
        p.add(format!("{at}.hotkey"), "= \"\": must name a hotkey");
        return None;
    }
    Some(hotkey.to_string())
}

/// Stage-2 check of one `[[events]]` entry: the kind, its keys, and their values.
fn event_action(
    p: &mut Problems,
    at: &str,
    e: &WireEvent,
    holder: &dyn Fn(&mut Problems, &str, Option<&String>) -> Holder,
) -> Option<EventAction> {
    let present: [(&str, bool); 17] = [
        ("amount", e.amount.is_some()),
        ("reason", e.reason.is_some()),
        ("from", e.from.is_some()),
        ("param", e.param.is_some()),
        ("value", e.value.is_some()),
        ("era", e.era.is_some()),
        ("rule", e.rule.is_some()),
        ("variant", e.variant.is_some()),
        ("hours", e.hours.is_some()),
        ("block_seconds", e.block_seconds.is_some()),
        ("netuid", e.netuid.is_some()),
        ("count", e.count.is_some()),
        ("coldkey", e.coldkey.is_some()),
        ("hotkey", e.hotkey.is_some()),
        ("tempo", e.tempo.is_some()),
        ("to_hotkey", e.to_hotkey.is_some()),
        ("to_netuid", e.to_netuid.is_some()),
    ];
    let (required, optional): (&[&str], &[&str]) = match e.kind.as_str() {
        "recycle" => (&["amount"], &["reason", "from"]),
        "set_param" => (&["param", "value"], &[]),
        "switch_era" => (&["era"], &[]),
        "set_rule" => (&["rule", "variant"], &[]),
        "set_block_time" => (&["block_seconds"], &[]),
        "halt" => (&["hours"], &[]),
        "register_neurons" => (&["netuid", "count", "coldkey"], &[]),
        "register_subnet" => (&["coldkey"], &["hotkey", "tempo", "amount"]),
        "start_call" => (&["netuid", "coldkey"], &[]),
        "dissolve_subnet" => (&["netuid"], &[]),
        "add_stake" => (&["netuid", "coldkey", "hotkey", "amount"], &[]),
        "remove_stake" => (&["netuid", "coldkey", "hotkey"], &["amount"]),
        "move_stake" => (
            &["netuid", "coldkey", "hotkey", "to_hotkey", "to_netuid"],
            &["amount"],
        ),
        "unstake_all" => (&["coldkey", "hotkey"], &[]),
        other => {
            p.add(
                format!("{at}.kind"),
                format!("= {other:?}: unknown event kind (known: recycle, set_param, switch_era, set_rule, set_block_time, halt, register_neurons, register_subnet, start_call, dissolve_subnet, add_stake, remove_stake, move_stake, unstake_all)"),
            );
            return None;
        }
    };
    let mut ok = true;
    for (key, is_set) in present {
        if is_set && !required.contains(&key) && !optional.contains(&key) {
            p.add(
                format!("{at}.{key}"),
                format!("not used by kind = {:?}", e.kind),
            );
            ok = false;
        }
        if !is_set && required.contains(&key) {
            p.add(
                format!("{at}.{key}"),
                format!("missing: required by kind = {:?}", e.kind),
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    Some(match e.kind.as_str() {
        "recycle" => EventAction::Recycle {
            amount: amount(p, &format!("{at}.amount"), e.amount.as_ref()?)?,
            reason: recycle_reason(p, &format!("{at}.reason"), e.reason.as_ref()),
            from: holder(p, &format!("{at}.from"), e.from.as_ref()),
        },
        "set_param" => {
            let name = e.param.clone()?;
            let value = e.value.as_ref()?;
            let v = match param_value(value) {
                Ok(v) => v,
                Err(msg) => {
                    p.add(format!("{at}.value"), format!("= {value}: {msg}"));
                    return None;
                }
            };
            if let Err(msg) = Params::default().set(&name, v) {
                let key = if Params::spec(&name).is_some() {
                    "value"
                } else {
                    "param"
                };
                p.add(format!("{at}.{key}"), msg);
                return None;
            }
            EventAction::SetParam { name, value: v }
        }
        "switch_era" => EventAction::SwitchEra(era(p, &format!("{at}.era"), e.era.as_ref()?)?),
        "set_rule" => {
            let (rule, variant) = (e.rule.as_ref()?, e.variant.as_ref()?);
            match rule_override(rule, variant) {
                Ok(o) => EventAction::OverrideRule(o),
                Err(msg) => {
                    p.add(format!("{at}.variant"), format!("= {variant:?}: {msg}"));
                    return None;
                }
            }
        }
        "set_block_time" => EventAction::SetBlockTime {
            block_ms: millis(
                p,
                &format!("{at}.block_seconds"),
                e.block_seconds?,
                0.001,
                86_400.0,
            )?,
        },
        "halt" => {
            let ms = millis(
                p,
                &format!("{at}.hours"),
                e.hours?,
                1.0 / 3_600_000.0,
                24.0 * 366.0,
            )?;
            EventAction::Halt {
                duration_ms: ms * 3_600,
            }
        }
        "register_neurons" => {
            let count = e.count?;
            if !(1..=10_000).contains(&count) {
                p.add(
                    format!("{at}.count"),
                    format!("= {count}: must be between 1 and 10000"),
                );
                return None;
            }
            EventAction::RegisterNeurons {
                netuid: event_netuid(p, at, e.netuid?)?,
                count: count as u32,
                coldkey: event_coldkey(p, at, e.coldkey.as_ref()?)?,
            }
        }
        "register_subnet" => {
            let coldkey = event_coldkey(p, at, e.coldkey.as_ref()?)?;
            let tempo = e.tempo.unwrap_or(360);
            if !(1..=50_400).contains(&tempo) {
                p.add(
                    format!("{at}.tempo"),
                    format!("= {tempo}: must be between 1 and 50400"),
                );
                return None;
            }
            let lock = match &e.amount {
                Some(a) => Some(amount(p, &format!("{at}.amount"), a)?),
                None => None,
            };
            EventAction::RegisterSubnet {
                lock,
                hotkey: e
                    .hotkey
                    .clone()
                    .unwrap_or_else(|| format!("{coldkey}/owner/{}", e.at_block)),
                coldkey,
                tempo: tempo as u16,
            }
        }
        "start_call" => EventAction::StartCall {
            netuid: event_netuid(p, at, e.netuid?)?,
            coldkey: event_coldkey(p, at, e.coldkey.as_ref()?)?,
        },
        "dissolve_subnet" => EventAction::DissolveSubnet {
            netuid: event_netuid(p, at, e.netuid?)?,
        },
        "add_stake" => EventAction::AddStake {
            netuid: event_netuid_or_root(p, &format!("{at}.netuid"), e.netuid?)?,
            coldkey: event_coldkey(p, at, e.coldkey.as_ref()?)?,
            hotkey: event_hotkey(p, at, e.hotkey.as_ref()?)?,
            tao: amount(p, &format!("{at}.amount"), e.amount.as_ref()?)?,
        },
        "remove_stake" => EventAction::RemoveStake {
            netuid: event_netuid_or_root(p, &format!("{at}.netuid"), e.netuid?)?,
            coldkey: event_coldkey(p, at, e.coldkey.as_ref()?)?,
            hotkey: event_hotkey(p, at, e.hotkey.as_ref()?)?,
            alpha: match &e.amount {
                Some(a) => Some(amount(p, &format!("{at}.amount"), a)?.0),
                None => None,
            },
        },
        "move_stake" => EventAction::MoveStake {
            netuid: event_netuid_or_root(p, &format!("{at}.netuid"), e.netuid?)?,
            coldkey: event_coldkey(p, at, e.coldkey.as_ref()?)?,
            hotkey: event_hotkey(p, at, e.hotkey.as_ref()?)?,
            to_hotkey: event_hotkey(p, at, e.to_hotkey.as_ref()?)?,
            to_netuid: event_netuid_or_root(p, &format!("{at}.to_netuid"), e.to_netuid?)?,
            alpha: match &e.amount {
                Some(a) => Some(amount(p, &format!("{at}.amount"), a)?.0),
                None => None,
            },
        },
        "unstake_all" => EventAction::UnstakeAll {
            coldkey: event_coldkey(p, at, e.coldkey.as_ref()?)?,
            hotkey: event_hotkey(p, at, e.hotkey.as_ref()?)?,
        },
        _ => unreachable!("kinds were matched above"),
    })
}

/// One `[[registration_demand]]` entry: an event at `from_block` (default: the first block) that
/// starts the demand. Each key is checked against its rule.
fn registration_demand(
    p: &mut Problems,
    at: &str,
    d: &WireDemand,
    start_block: u64,
) -> Option<ScheduledEvent> {
    let before = p.0.len();
    let from_block = d.from_block.unwrap_or(start_block + 1);
    if from_block <= start_block {
        p.add(
            format!("{at}.from_block"),
            format!("= {from_block}: must be after start.block = {start_block}"),
        );
    }
    if let Some(u) = d.until_block {
        if u < from_block {
            p.add(
                format!("{at}.until_block"),
                format!("= {u}: must not be before from_block = {from_block}"),
            );
        }
    }
    let first = d.first_netuid.unwrap_or(1);
    let last = d.last_netuid.unwrap_or(u64::from(u16::MAX));
    if first == 0 || first > u64::from(u16::MAX) {
        p.add(
            format!("{at}.first_netuid"),
            format!("= {first}: must be between 1 and 65535 (root takes no demand)"),
        );
    }
    if last < first || last > u64::from(u16::MAX) {
        p.add(
            format!("{at}.last_netuid"),
            format!("= {last}: must be between first_netuid = {first} and 65535"),
        );
    }
    let lo = amount(
        p,
        &format!("{at}.burn_at_target_min"),
        &d.burn_at_target_min,
    );
    let hi = amount(
        p,
        &format!("{at}.burn_at_target_max"),
        &d.burn_at_target_max,
    );
    if let (Some(lo), Some(hi)) = (lo, hi) {
        if lo.is_zero() {
            p.add(
                format!("{at}.burn_at_target_min"),
                "= 0: must be above 0 TAO",
            );
        }
        if hi < lo {
            p.add(
                format!("{at}.burn_at_target_max"),
                format!("= {hi}: must not be below burn_at_target_min = {lo}"),
            );
        }
    }
    let mut unit = |key: &str, v: Option<WireNumber>, default: f64, min: f64, max: f64| {
        let x = v.map(number).unwrap_or(default);
        if !x.is_finite() || x < min || x > max {
            p.add(
                format!("{at}.{key}"),
                format!("= {x}: must be between {min} and {max}"),
            );
        }
        x
    };
    let elasticity = unit("elasticity", d.elasticity, 1.0, 0.0, 10.0);
    let scale = unit("scale", d.scale, 1.0, 0.0, 1_000.0);
    let alpha = d
        .adjustment_alpha
        .map(|a| unit("adjustment_alpha", Some(a), 0.0, 0.0, 1.0));
    let mut small = |key: &str, v: Option<u64>, min: u64, max: u64| -> Option<u16> {
        let x = v?;
        if !(min..=max).contains(&x) {
            p.add(
                format!("{at}.{key}"),
                format!("= {x}: must be between {min} and {max}"),
            );
            return None;
        }
        Some(x as u16)
    };
    let interval = small("adjustment_interval", d.adjustment_interval, 1, 65_535);
    let target = small("target_registrations", d.target_registrations, 1, 21_845);
    if p.0.len() != before {
        return None;
    }
    let spec = sim_core::registration::demand::DemandSpec {
        first_netuid: first as u16,
        last_netuid: last as u16,
        until_block: d.until_block,
        burn_at_target_min: lo?,
        burn_at_target_max: hi?,
        elasticity,
        scale,
        adjustment_interval: interval,
        target_registrations: target,
        adjustment_alpha: alpha.map(|a| (a * u64::MAX as f64) as u64),
        start_at_reference: d.start_at_reference.unwrap_or(true),
    };
    Some(ScheduledEvent {
        at_block: from_block,
        action: EventAction::RegistrationDemand(spec),
    })
}
