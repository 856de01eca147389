//! A small network for agent tests: root with 5.2M TAO and uniform subnets under the current
//! rules, agents from `[[agents]]` TOML, every row kept in memory and every invariant checked
//! every block.
#![allow(dead_code)]

use agents::{Population, SpecContext};
use sim_core::amm::{Pool, QuoteWeight};
use sim_core::params::Params;
use sim_core::rules::Era;
use sim_core::sim::{SimConfig, Simulation};
use sim_core::subnet::{Mechanism, Subnet};
use sim_core::trace::MemorySink;
use sim_core::units::{Alpha, NetUid, Tao};
use sim_core::RAO_PER_TAO;
use substrate_fixed::types::I96F32;

pub const START: u64 = 8_734_700;

/// One subnet: (TAO in the pool, alpha in the pool, alpha outstanding), whole tokens.
pub type Shape = (u64, u64, u64);

pub fn config(shapes: &[Shape], seed: u64) -> SimConfig {
    let mut root = Subnet::new(
        NetUid(0),
        Pool::new(Tao(5_200_000 * RAO_PER_TAO), Alpha::ZERO, QuoteWeight::HALF),
        100,
        0,
    );
    root.mechanism = Mechanism::Stable;
    let mut subnets = vec![root];
    for (i, &(tao, alpha_in, alpha_out)) in shapes.iter().enumerate() {
        let netuid = NetUid(i as u16 + 1);
        let mut s = Subnet::new(
            netuid,
            Pool::new(
                Tao(tao * RAO_PER_TAO),
                Alpha(alpha_in * RAO_PER_TAO),
                QuoteWeight::HALF,
            ),
            360,
            START,
        );
        s.alpha_out = Alpha(alpha_out * RAO_PER_TAO);
        s.moving_price = I96F32::from_num(tao as f64 / alpha_in as f64);
        s.first_emission_block = Some(START);
        subnets.push(s);
    }
    SimConfig {
        seed,
        start_block: START,
        start_ms: 0,
        block_ms: 12_000,
        total_issuance: Tao(11_180_113 * RAO_PER_TAO),
        accounts: vec![],
        subnets,
        hotkeys: vec![],
        rules: Era::Current.rules(),
        params: Params::default(),
        events: vec![],
        flows: vec![],
        network_every: 7_200,
        subnets_every: 360,
        neurons_every: 360,
        positions_every: 360,
        invariants_every: 1,
        price: None,
        state: None,
    }
}

pub fn populations(toml_src: &str, subnets: usize) -> Vec<Population> {
    #[derive(serde::Deserialize)]
    struct W {
        agents: Vec<toml::Table>,
    }
    let w: W = toml::from_str(toml_src).expect("test TOML parses");
    let netuids: Vec<NetUid> = (1..=subnets as u16).map(NetUid).collect();
    agents::parse(
        &w.agents,
        &SpecContext {
            netuids: &netuids,
            start_block: START,
        },
    )
    .expect("test spec is valid")
}

/// Runs `blocks` blocks of `shapes` with the agents of `toml_src`.
pub fn run(shapes: &[Shape], toml_src: &str, blocks: u64, seed: u64) -> (Simulation, MemorySink) {
    let pops = populations(toml_src, shapes.len());
    let mut sim = Simulation::with_agents(config(shapes, seed), agents::build(&pops))
        .expect("the run starts");
    let mut sink = MemorySink::default();
    sim.start(&mut sink).unwrap();
    sim.run_until(START + blocks, &mut sink).unwrap();
    sim.finish(&mut sink).unwrap();
    (sim, sink)
}

/// The population of an agent label or hotkey name (`name#member`).
pub fn population(label: &str) -> &str {
    label.split('#').next().unwrap_or(label)
}
