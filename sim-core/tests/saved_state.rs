//! A saved chain state round-trips through JSON, and a run started from it continues exactly as
//! the run that saved it.

use sim_core::amm::{Pool, QuoteWeight};
use sim_core::events::{EventAction, ScheduledEvent};
use sim_core::params::Params;
use sim_core::rules::Era;
use sim_core::sim::{SimConfig, Simulation};
use sim_core::state::SavedState;
use sim_core::subnet::{Mechanism, Subnet};
use sim_core::trace::NullSink;
use sim_core::units::{Alpha, NetUid, Tao};
use sim_core::RAO_PER_TAO;
use substrate_fixed::types::I96F32;

const START: u64 = 8_734_700;

fn config() -> SimConfig {
    let mut root = Subnet::new(
        NetUid(0),
        Pool::new(Tao(5_000_000 * RAO_PER_TAO), Alpha::ZERO, QuoteWeight::HALF),
        100,
        0,
    );
    root.mechanism = Mechanism::Stable;
    let mut subnets = vec![root];
    for n in 1..=3u16 {
        let mut s = Subnet::new(
            NetUid(n),
            Pool::new(
                Tao(20_000 * RAO_PER_TAO),
                Alpha(400_000 * RAO_PER_TAO),
                QuoteWeight::HALF,
            ),
            360,
            START,
        );
        s.alpha_out = Alpha(600_000 * RAO_PER_TAO);
        s.moving_price = I96F32::from_num(0.05);
        s.first_emission_block = Some(START);
        subnets.push(s);
    }
    let at = |b: u64, action| ScheduledEvent {
        at_block: START + b,
        action,
    };
    SimConfig {
        seed: 3,
        start_block: START,
        start_ms: 0,
        block_ms: 12_000,
        total_issuance: Tao(11_180_113 * RAO_PER_TAO),
        accounts: vec![("alice".into(), Tao(50_000 * RAO_PER_TAO))],
        subnets,
        hotkeys: vec![],
        rules: Era::Current.rules(),
        params: Params::default(),
        events: vec![
            at(
                10,
                EventAction::RegisterNeurons {
                    netuid: NetUid(1),
                    count: 4,
                    coldkey: "alice".into(),
                },
            ),
            at(
                20,
                EventAction::AddStake {
                    coldkey: "alice".into(),
                    hotkey: "alice/1/8734710/0".into(),
                    netuid: NetUid(1),
                    tao: Tao(5_000 * RAO_PER_TAO),
                },
            ),
            at(
                30,
                EventAction::AddStake {
                    coldkey: "alice".into(),
                    hotkey: "alice/1/8734710/0".into(),
                    netuid: NetUid(0),
                    tao: Tao(1_000 * RAO_PER_TAO),
                },
            ),
        ],
        flows: vec![],
        network_every: 100,
        subnets_every: 100,
        neurons_every: 360,
        positions_every: 7_200,
        invariants_every: 1,
        price: None,
        state: None,
    }
}

fn json(s: &SavedState) -> String {
    serde_json::to_string(s).unwrap()
}

/// The state without the ledger's minted and recycled totals (a resumed run counts from its
/// own start).
fn chain_state(mut s: SavedState) -> String {
    s.network.ledger.reset_totals();
    json(&s)
}

#[test]
fn a_run_resumed_from_a_saved_state_continues_exactly() {
    let mut whole = Simulation::new(config()).unwrap();
    whole.run_until(START + 1_500, &mut NullSink).unwrap();
    let mut first = Simulation::new(config()).unwrap();
    first.run_until(START + 700, &mut NullSink).unwrap();
    let saved = first.saved_state();
    let text = json(&saved);
    let loaded: SavedState = serde_json::from_str(&text).unwrap();
    assert_eq!(json(&loaded), text, "the JSON round trip is lossless");
    assert!(
        loaded.network.subnets[1].neurons.len() == 4 && !loaded.network.subnets[1].pools.is_empty()
    );

    let mut cfg = config();
    cfg.start_block = loaded.block;
    cfg.start_ms = loaded.time_ms;
    cfg.subnets.clear();
    cfg.accounts.clear();
    cfg.state = Some(Box::new(loaded));
    let mut resumed = Simulation::new(cfg).unwrap();
    resumed.check_invariants().unwrap();
    resumed.run_until(START + 1_500, &mut NullSink).unwrap();
    assert!(chain_state(resumed.saved_state()) == chain_state(whole.saved_state()));
}
