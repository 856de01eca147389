//! The block engine end to end: minting, halving, events, flows, invariants every block.

use sim_core::events::{EventAction, RecycleFlow, ScheduledEvent};
use sim_core::ledger::{Holder, RecycleReason};
use sim_core::params::Params;
use sim_core::rules::{EmissionSplit, Era, RuleOverride, Rules};
use sim_core::sim::{SimConfig, SimError, Simulation};
use sim_core::trace::MemorySink;
use sim_core::{ColdkeyId, Tao, RAO_PER_TAO};

const T1: u64 = 10_500_000 * RAO_PER_TAO;

fn config(start_issuance: u64) -> SimConfig {
    SimConfig {
        seed: 1,
        start_block: 1_000,
        start_ms: 0,
        block_ms: 12_000,
        total_issuance: Tao(start_issuance),
        accounts: vec![("alice".into(), Tao::from_tokens(50))],
        subnets: vec![],
        hotkeys: vec![],
        rules: Rules::default(),
        params: Params::default(),
        events: vec![],
        flows: vec![],
        network_every: 1,
        subnets_every: 1,
        invariants_every: 1,
        neurons_every: 1,
        positions_every: 7_200,
        price: None,
        state: None,
    }
}

fn run(cfg: SimConfig, blocks: u64) -> (Simulation, MemorySink) {
    let mut sim = Simulation::new(cfg).unwrap();
    let mut sink = MemorySink::default();
    sim.start(&mut sink).unwrap();
    let end = sim.block() + blocks;
    sim.run_until(end, &mut sink).unwrap();
    sim.finish(&mut sink).unwrap();
    (sim, sink)
}

#[test]
fn the_first_halving_comes_when_issuance_crosses_10_5m() {
    // 3.5 TAO below the threshold: blocks 1001..1004 mint 1 TAO each; the 4th crosses it.
    let (sim, sink) = run(config(T1 - 3_500_000_000), 6);
    let h = sim.halvings();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].halvings, 1);
    assert_eq!(h[0].block, 1_005, "first block minted at the halved rate");
    assert_eq!(h[0].total_issuance, Tao(T1 + 500_000_000));
    assert_eq!(h[0].time_ms, 5 * 12_000);
    let last = sink.network.last().unwrap();
    assert_eq!(last.block, 1_006);
    assert_eq!(
        last.total_issuance,
        T1 - 3_500_000_000 + 4 * RAO_PER_TAO + 2 * 500_000_000
    );
    assert_eq!(last.block_emission, 500_000_000);
    assert_eq!(last.halvings, 1);
    assert_eq!(sink.network.len(), 7, "initial row plus one per block");
}

#[test]
fn recycling_delays_the_halving() {
    let mut cfg = config(T1 - 10 * RAO_PER_TAO);
    cfg.flows.push(RecycleFlow {
        reason: RecycleReason::RegistrationBurn,
        from: Holder::Unmodelled,
        rao_per_day: 3_600 * RAO_PER_TAO, // half a TAO per 12 s block
        from_block: 0,
        until_block: None,
    });
    let (sim, sink) = run(cfg, 25);
    // Net +0.5 TAO a block: 10 TAO short takes 20 blocks.
    assert_eq!(sim.halvings()[0].block, 1_021);
    let last = sink.network.last().unwrap();
    let reg = RecycleReason::ALL
        .iter()
        .position(|r| *r == RecycleReason::RegistrationBurn)
        .unwrap();
    assert_eq!(last.recycled[reg], 25 * 500_000_000);
    assert_eq!(last.recycled_total, 25 * 500_000_000);
}

#[test]
fn events_recycle_switch_rules_and_halt() {
    let mut cfg = config(7_000_000 * RAO_PER_TAO);
    let ev = |at_block, action| ScheduledEvent { at_block, action };
    cfg.events = vec![
        ev(
            1_003,
            EventAction::Halt {
                duration_ms: 2 * 86_400_000,
            },
        ),
        ev(
            1_002,
            EventAction::Recycle {
                amount: Tao::from_tokens(20),
                reason: RecycleReason::KeySwap,
                from: Holder::Account(ColdkeyId(0)),
            },
        ),
        ev(1_002, EventAction::SwitchEra(Era::PreDtao)),
        ev(
            1_004,
            EventAction::OverrideRule(RuleOverride::EmissionSplit(EmissionSplit::TaoFlow)),
        ),
        ev(
            1_004,
            EventAction::SetParam {
                name: "subnet_owner_cut".into(),
                value: 0,
            },
        ),
        ev(1_005, EventAction::SetBlockTime { block_ms: 6_000 }),
    ];
    let (sim, sink) = run(cfg, 8);
    assert_eq!(
        sim.network().ledger.free_balance(ColdkeyId(0)),
        Tao::from_tokens(30)
    );
    assert_eq!(sim.rules().era, Era::PreDtao);
    assert_eq!(sim.rules().emission_split, EmissionSplit::TaoFlow);
    assert_eq!(sim.params().subnet_owner_cut, 0);
    let t = |b: u64| sink.network.iter().find(|r| r.block == b).unwrap().time_ms;
    assert_eq!(t(1_003), 3 * 12_000);
    assert_eq!(
        t(1_004),
        4 * 12_000 + 2 * 86_400_000,
        "the halt comes before block 1004"
    );
    assert_eq!(
        t(1_006) - t(1_005),
        12_000,
        "set at 1005: block 1006 was already due"
    );
    assert_eq!(t(1_007) - t(1_006), 6_000);
}

#[test]
fn an_impossible_recycle_stops_the_run_with_the_block_and_numbers() {
    let mut cfg = config(7_000_000 * RAO_PER_TAO);
    cfg.events.push(ScheduledEvent {
        at_block: 1_002,
        action: EventAction::Recycle {
            amount: Tao::from_tokens(51),
            reason: RecycleReason::ScenarioEvent,
            from: Holder::Account(ColdkeyId(0)),
        },
    });
    let mut sim = Simulation::new(cfg).unwrap();
    let err = sim
        .run_until(1_005, &mut MemorySink::default())
        .unwrap_err();
    assert!(matches!(err, SimError::Ledger { block: 1_002, .. }));
    assert_eq!(
        err.to_string(),
        "block 1002: coldkey `alice` holds 50 TAO, cannot take 51 TAO"
    );
}

#[test]
fn the_same_config_gives_the_same_trace() {
    let mut cfg = config(10_499_990 * RAO_PER_TAO);
    cfg.flows.push(RecycleFlow {
        reason: RecycleReason::ScenarioEvent,
        from: Holder::Unmodelled,
        rao_per_day: 777 * RAO_PER_TAO + 3,
        from_block: 1_010,
        until_block: Some(1_500),
    });
    let (_, a) = run(cfg.clone(), 2_000);
    let (_, b) = run(cfg, 2_000);
    assert_eq!(a.network, b.network);
}

#[test]
fn minting_stops_at_the_supply_cap() {
    let (sim, _) = run(config(21_000_000 * RAO_PER_TAO - 7), 5);
    assert!(sim.network().ledger.total_issuance().0 <= 21_000_000 * RAO_PER_TAO);
}
