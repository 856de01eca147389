//! Each policy's effect in the trace of a short run (current rules, invariants checked every
//! block).

mod common;

use common::{population, run, START};
use sim_core::sim::Simulation;
use sim_core::trace::{MemorySink, NeuronRow};

/// The neuron rows of the last sampled epoch of `netuid`.
fn last_epoch(sink: &MemorySink, netuid: u16) -> Vec<&NeuronRow> {
    let last = sink
        .neurons
        .iter()
        .filter(|r| r.netuid == netuid)
        .map(|r| r.block)
        .max()
        .expect("an epoch ran");
    sink.neurons
        .iter()
        .filter(|r| r.netuid == netuid && r.block == last)
        .collect()
}

fn quality_of(sim: &Simulation, hotkey: &str) -> f64 {
    let id = sim
        .network()
        .hotkeys
        .iter()
        .position(|h| h.name == hotkey)
        .expect("hotkey exists");
    sim.served_quality(sim_core::neurons::HotkeyId(id as u32))
}

/// Spearman rank correlation.
fn rank_correlation(x: &[f64], y: &[f64]) -> f64 {
    let ranks = |v: &[f64]| {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|a, b| v[*a].total_cmp(&v[*b]));
        let mut r = vec![0.0; v.len()];
        for (rank, i) in idx.into_iter().enumerate() {
            r[i] = rank as f64;
        }
        r
    };
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let d2: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - b).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

const POOL: (u64, u64, u64) = (20_000, 400_000, 600_000);

#[test]
fn miners_register_and_honest_validators_pay_them_by_quality() {
    let (sim, sink) = run(
        &[POOL],
        r#"
        [[agents]]
        name = "miners"
        kind = "miner"
        count = 16
        quality = { uniform = [0.1, 1.0] }
        quality_drift_per_day = 0.0
        reaction_blocks = { uniform = [1, 720] }
        [[agents]]
        name = "honest"
        kind = "validator"
        count = 2
        stake_tao = 2000
        noise = 0.02
        "#,
        14_400,
        1,
    );
    let miners_registered = sink
        .registrations
        .iter()
        .filter(|r| r.hotkey.starts_with("miners#") && r.outcome == "ok")
        .count();
    assert!(
        miners_registered >= 14,
        "{miners_registered} miners registered"
    );
    // Miners wait for the burn to decay rather than pay more than the reward: none is refused.
    assert!(sink.registrations.iter().all(|r| r.outcome == "ok"));
    let rows: Vec<_> = last_epoch(&sink, 1)
        .into_iter()
        .filter(|r| r.hotkey.starts_with("miners#"))
        .collect();
    let q: Vec<f64> = rows.iter().map(|r| quality_of(&sim, &r.hotkey)).collect();
    let inc: Vec<f64> = rows.iter().map(|r| f64::from(r.incentive)).collect();
    let rho = rank_correlation(&q, &inc);
    assert!(
        rho > 0.9,
        "incentive follows quality: rank correlation {rho}"
    );
}

#[test]
fn a_lazy_validator_goes_stale_and_loses_its_dividends() {
    let (_, sink) = run(
        &[POOL],
        r#"
        [[agents]]
        name = "miners"
        kind = "miner"
        count = 8
        reaction_blocks = { uniform = [1, 360] }
        [[agents]]
        name = "honest"
        kind = "validator"
        count = 2
        stake_tao = 2000
        [[agents]]
        name = "lazy"
        kind = "validator"
        style = "lazy"
        update_every_tempos = 1
        inactive_after_blocks = 1500
        stake_tao = 2000
        "#,
        10_800,
        1,
    );
    let dividends_at = |block: u64| {
        sink.neurons
            .iter()
            .filter(|r| r.hotkey == "lazy#0" && r.block <= block)
            .last()
            .map(|r| r.dividends)
            .unwrap()
    };
    assert!(dividends_at(START + 1_800) > 0, "active: earns dividends");
    // Weights older than the activity cutoff (5,000 blocks) no longer count.
    assert_eq!(dividends_at(START + 10_800), 0, "stale: earns nothing");
    let honest = last_epoch(&sink, 1)
        .into_iter()
        .filter(|r| r.hotkey.starts_with("honest#"))
        .map(|r| r.dividends)
        .sum::<u16>();
    assert!(
        honest > 60_000,
        "honest validators take the dividends: {honest}"
    );
}

#[test]
fn a_copier_keeps_its_weights_inside_consensus() {
    let (_, sink) = run(
        &[POOL],
        r#"
        [[agents]]
        name = "miners"
        kind = "miner"
        count = 16
        quality_drift_per_day = 0.05
        reaction_blocks = { uniform = [1, 360] }
        [[agents]]
        name = "honest"
        kind = "validator"
        count = 3
        stake_tao = 2000
        [[agents]]
        name = "copier"
        kind = "validator"
        style = "copier"
        stake_tao = 2000
        "#,
        10_800,
        1,
    );
    let rows = last_epoch(&sink, 1);
    let trust = |pop: &str| {
        let v: Vec<f64> = rows
            .iter()
            .filter(|r| population(&r.hotkey) == pop)
            .map(|r| f64::from(r.validator_trust))
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    // Copying last epoch's consensus is never clipped far: its trust is close to the honest.
    assert!(
        trust("copier") > 0.9 * trust("honest"),
        "{} vs {}",
        trust("copier"),
        trust("honest")
    );
    assert!(rows
        .iter()
        .any(|r| r.hotkey == "copier#0" && r.dividends > 0));
}

#[test]
fn a_cabal_under_half_the_stake_is_clipped() {
    let (sim, sink) = run(
        &[POOL],
        r#"
        [[agents]]
        name = "miners"
        kind = "miner"
        count = 16
        quality = { uniform = [0.3, 1.0] }
        reaction_blocks = { uniform = [1, 360] }
        [[agents]]
        name = "cabal-miners"
        kind = "miner"
        count = 4
        quality = 0.1
        min_payback = 0
        reaction_blocks = { uniform = [1, 360] }
        [[agents]]
        name = "honest"
        kind = "validator"
        count = 3
        stake_tao = 3000
        [[agents]]
        name = "cabal"
        kind = "validator"
        style = "cabal"
        favour = ["cabal-miners"]
        count = 2
        stake_tao = 2000
        "#,
        10_800,
        1,
    );
    let rows = last_epoch(&sink, 1);
    let sum = |pop: &str, f: fn(&NeuronRow) -> f64| {
        rows.iter()
            .filter(|r| population(&r.hotkey) == pop)
            .map(|r| f(r))
            .sum::<f64>()
    };
    let stake = |r: &NeuronRow| r.stake as f64;
    let cabal_stake = sum("cabal", stake) / (sum("cabal", stake) + sum("honest", stake));
    assert!(
        (0.1..0.5).contains(&cabal_stake),
        "cabal stake share {cabal_stake}"
    );
    let incentive = |r: &NeuronRow| f64::from(r.incentive) / 65_535.0;
    // What the honest validators alone give the cabal's miners: their share of served quality.
    let quality = |pop: &str| {
        rows.iter()
            .filter(|r| population(&r.hotkey) == pop)
            .map(|r| quality_of(&sim, &r.hotkey))
            .sum::<f64>()
    };
    let fair = quality("cabal-miners") / (quality("cabal-miners") + quality("miners"));
    // Unclipped, the cabal's full weight would add about its stake share on top.
    let got = sum("cabal-miners", incentive);
    assert!(
        got < fair + cabal_stake / 4.0,
        "the cabal's miners are clipped to consensus: {got} (fair {fair}, cabal stake {cabal_stake})"
    );
    let dividends = |r: &NeuronRow| f64::from(r.dividends) / 65_535.0;
    assert!(
        sum("cabal", dividends) < cabal_stake / 2.0,
        "the cabal earns far less than its stake share: {}",
        sum("cabal", dividends)
    );
}

#[test]
fn stakers_move_towards_the_higher_yield() {
    // Subnet 1 has an eighth of subnet 2's alpha outstanding: eight times the staking yield.
    let (_, sink) = run(
        &[(20_000, 400_000, 150_000), (20_000, 400_000, 1_200_000)],
        r#"
        [[agents]]
        name = "validators"
        kind = "validator"
        count = 2
        stake_tao = 2000
        [[agents]]
        name = "stakers"
        kind = "staker"
        count = 20
        capital_tao = { uniform = [50, 200] }
        rebalance_blocks = { uniform = [500, 1000] }
        include_root = false
        "#,
        3_600,
        1,
    );
    let last = sink.positions.iter().map(|p| p.block).max().unwrap();
    let on = |netuid: u16| {
        sink.positions
            .iter()
            .filter(|p| p.block == last && p.netuid == netuid && p.agent.starts_with("stakers#"))
            .map(|p| p.tao_value)
            .sum::<u64>()
    };
    assert!(
        on(1) > 4 * on(2).max(1),
        "subnet 1 {} vs subnet 2 {}",
        on(1),
        on(2)
    );
    let ok_stakes = sink
        .actions
        .iter()
        .filter(|a| {
            a.agent
                .as_deref()
                .is_some_and(|x| x.starts_with("stakers#"))
        })
        .filter(|a| a.outcome == "ok")
        .count();
    assert!(ok_stakes >= 20);
}

#[test]
fn a_whale_enters_and_exits_and_a_momentum_trader_follows_the_move() {
    let (_, sink) = run(
        &[POOL],
        &format!(
            r#"
        [[agents]]
        name = "validators"
        kind = "validator"
        stake_tao = 2000
        [[agents]]
        name = "whale"
        kind = "whale"
        netuid = 1
        capital_tao = 20000
        enter_block = {enter}
        exit_block = {exit}
        [[agents]]
        name = "momentum"
        kind = "trader"
        style = "momentum"
        capital_tao = 100
        window_blocks = 300
        threshold = 0.05
        trade_tao = 10
        max_position_tao = 50
        reaction_blocks = 50
        "#,
            enter = START + 1_000,
            exit = START + 2_000
        ),
        2_500,
        1,
    );
    let whale: Vec<_> = sink
        .actions
        .iter()
        .filter(|a| a.agent.as_deref() == Some("whale#0"))
        .map(|a| (a.block, a.kind, a.outcome.as_str()))
        .collect();
    assert_eq!(
        whale,
        vec![
            (START + 1_000, "add_stake", "ok"),
            (START + 2_000, "remove_stake", "ok")
        ]
    );
    let buys: Vec<u64> = sink
        .actions
        .iter()
        .filter(|a| a.agent.as_deref() == Some("momentum#0") && a.kind == "add_stake")
        .map(|a| a.block)
        .collect();
    assert!(!buys.is_empty(), "the trader buys after the jump");
    assert!(
        buys.iter().all(|b| *b > START + 1_000),
        "and not before: {buys:?}"
    );
    assert!(
        sink.actions
            .iter()
            .any(|a| a.agent.as_deref() == Some("momentum#0")
                && a.kind == "remove_stake"
                && a.block > START + 2_000),
        "and sells after the whale's exit"
    );
}

#[test]
fn an_owner_registers_starts_configures_and_burns() {
    let (sim, sink) = run(
        &[POOL],
        r#"
        [[agents]]
        name = "owner"
        kind = "owner"
        capital_tao = 20000
        horizon_days = 36500
        reaction_blocks = 100
        liquid_alpha = true
        bonds_moving_average = 900000
        burn = 1.0
        "#,
        1_000,
        1,
    );
    let kinds: Vec<(&str, &str)> = sink
        .actions
        .iter()
        .map(|a| (a.kind, a.outcome.as_str()))
        .collect();
    assert_eq!(kinds[0], ("register_subnet", "ok"));
    assert!(kinds.contains(&("start_call", "ok")), "{kinds:?}");
    assert!(kinds.contains(&("set_hyperparameter", "ok")), "{kinds:?}");
    assert!(
        !kinds.iter().any(|(k, _)| *k == "set_weights"),
        "owner weights accepted: {kinds:?}"
    );
    let s = sim
        .network()
        .subnets
        .iter()
        .find(|s| s.owner.is_some())
        .expect("the owner's subnet");
    assert!(s.hyper.liquid_alpha);
    assert_eq!(s.hyper.bonds_moving_average, 900_000);
    // All of the owner's weight is on its own UID: the burn.
    let owner_uid = s.neurons.uid_of(s.owner.unwrap().1).unwrap();
    assert_eq!(
        s.neurons.weights[usize::from(owner_uid)],
        vec![(owner_uid, 65_535)]
    );
}
