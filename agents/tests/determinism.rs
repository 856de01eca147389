//! Same seed, same trace, with agents; and a new population never changes the draws of the
//! agents already there.

mod common;

use common::{config, populations, run, START};
use sim_core::sim::Simulation;
use sim_core::trace::MemorySink;

const AGENTS: &str = r#"
    [[agents]]
    name = "miners"
    kind = "miner"
    count = 12
    quality = { normal = [0.6, 0.2] }
    quality_drift_per_day = 0.1
    reaction_blocks = { uniform = [1, 500] }
    [[agents]]
    name = "validators"
    kind = "validator"
    count = 3
    stake_tao = { uniform = [1000, 3000] }
    noise = 0.1
    [[agents]]
    name = "stakers"
    kind = "staker"
    count = 5
    capital_tao = { lognormal = [4, 1] }
    rebalance_blocks = { uniform = [100, 400] }
"#;

const LATE_WHALE: &str = r#"
    [[agents]]
    name = "whale"
    kind = "whale"
    netuid = 2
    capital_tao = 5000
    enter_block = 8735700
"#;

const SHAPES: &[(u64, u64, u64)] = &[(20_000, 400_000, 600_000), (10_000, 300_000, 300_000)];

/// Debug text of every row before `block`, table by table. In the network table only issuance
/// and emission: its free-balance total also counts coldkeys that have not acted yet.
fn rows_before(sink: &MemorySink, block: u64) -> String {
    let mut out = String::new();
    let keep = |b: u64| b < block;
    out += &format!(
        "{:?}",
        sink.network
            .iter()
            .filter(|r| keep(r.block))
            .map(|r| (
                r.block,
                r.total_issuance,
                r.minted,
                r.recycled_total,
                r.subnet_tao
            ))
            .collect::<Vec<_>>()
    );
    out += &format!(
        "{:?}",
        sink.subnets
            .iter()
            .filter(|r| keep(r.block))
            .collect::<Vec<_>>()
    );
    out += &format!(
        "{:?}",
        sink.registrations
            .iter()
            .filter(|r| keep(r.block))
            .collect::<Vec<_>>()
    );
    out += &format!(
        "{:?}",
        sink.actions
            .iter()
            .filter(|r| keep(r.block))
            .collect::<Vec<_>>()
    );
    out += &format!(
        "{:?}",
        sink.neurons
            .iter()
            .filter(|r| keep(r.block))
            .collect::<Vec<_>>()
    );
    out += &format!(
        "{:?}",
        sink.positions
            .iter()
            .filter(|r| keep(r.block))
            .collect::<Vec<_>>()
    );
    out
}

#[test]
fn the_same_seed_gives_the_same_trace_with_agents() {
    let (_, a) = run(SHAPES, AGENTS, 2_000, 7);
    let (_, b) = run(SHAPES, AGENTS, 2_000, 7);
    let (_, c) = run(SHAPES, AGENTS, 2_000, 8);
    assert!(!a.actions.is_empty() && !a.neurons.is_empty() && !a.positions.is_empty());
    assert!(a.network == b.network && rows_before(&a, u64::MAX) == rows_before(&b, u64::MAX));
    assert!(
        rows_before(&a, u64::MAX) != rows_before(&c, u64::MAX),
        "the seed matters"
    );
}

#[test]
fn adding_a_population_does_not_change_the_draws_of_the_others() {
    // The traits each existing agent drew (its capital is in its coldkey's balance) ...
    let balances = |src: &str| {
        let pops = populations(src, SHAPES.len());
        let sim = Simulation::with_agents(config(SHAPES, 7), agents::build(&pops)).unwrap();
        let ledger = &sim.network().ledger;
        (0..12 + 3 + 5)
            .map(|i| ledger.free_balance(sim_core::units::ColdkeyId(i)))
            .collect::<Vec<_>>()
    };
    let with_whale_first = format!("{LATE_WHALE}\n{AGENTS}");
    let without = balances(AGENTS);
    let with_whale_last = balances(&format!("{AGENTS}\n{LATE_WHALE}"));
    assert_eq!(without, with_whale_last);
    // ... and with the whale listed first (its coldkey is then the first one).
    let pops = populations(&with_whale_first, SHAPES.len());
    let sim = Simulation::with_agents(config(SHAPES, 7), agents::build(&pops)).unwrap();
    let shifted: Vec<_> = (1..=20)
        .map(|i| {
            sim.network()
                .ledger
                .free_balance(sim_core::units::ColdkeyId(i))
        })
        .collect();
    assert_eq!(without, shifted);
    // ... and the run is the same, row for row, until the whale enters at block +1000.
    let (_, a) = run(SHAPES, AGENTS, 1_500, 7);
    let (_, b) = run(SHAPES, &format!("{AGENTS}\n{LATE_WHALE}"), 1_500, 7);
    assert!(
        rows_before(&a, START + 1_000) == rows_before(&b, START + 1_000),
        "identical before the whale enters"
    );
    assert!(
        rows_before(&a, u64::MAX) != rows_before(&b, u64::MAX),
        "the whale acts"
    );
}
