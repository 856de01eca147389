//! Each policy's decision rule on a hand-made network state.

mod common;

use agents::dist::Dist;
use agents::miner::{Miner, MinerConfig};
use agents::owner::{Owner, OwnerConfig};
use agents::staker::{Staker, StakerConfig, Whale, WhaleConfig};
use agents::validator::{Style, Validator, ValidatorConfig};
use common::{config, START};
use sim_core::agent::{Action, Agent};
use sim_core::neurons::{Hotkey, HotkeyId, DEFAULT_DELEGATE_TAKE};
use sim_core::rng::agent_stream;
use sim_core::sim::Simulation;
use sim_core::trace::NullSink;
use sim_core::units::{ColdkeyId, NetUid, Tao};
use sim_core::view::NetworkView;
use sim_core::RAO_PER_TAO;

/// Two subnets, subnet 2 at twice subnet 1's price; one funded coldkey `me` (`tao`); subnet 1
/// has four neurons `good#0, good#1, cabal#2, cabal#3` whose consensus is 0, 1000, 2000, 3000,
/// the first with a validator permit; one block run so that the coinbase has filled the last
/// emission.
fn world_with(tao: u64) -> Simulation {
    let mut cfg = config(&[(20_000, 400_000, 600_000), (40_000, 400_000, 600_000)], 1);
    cfg.accounts = vec![("me".into(), Tao(tao * RAO_PER_TAO))];
    for i in 0..4u32 {
        cfg.hotkeys.push(Hotkey {
            name: format!("{}#{i}", if i < 2 { "good" } else { "cabal" }),
            owner: ColdkeyId(0),
            delegate_take: DEFAULT_DELEGATE_TAKE,
        });
        let s = &mut cfg.subnets[1];
        s.neurons.push(HotkeyId(i), START);
        s.neurons.consensus[i as usize] = (i * 1000) as u16;
    }
    cfg.subnets[1].neurons.validator_permit[0] = true;
    let mut sim = Simulation::with_agents(cfg, Vec::new()).unwrap();
    sim.run_until(START + 1, &mut NullSink).unwrap();
    sim
}

fn world() -> Simulation {
    world_with(10)
}

fn view<'a>(sim: &'a Simulation, quality: &'a [f64]) -> NetworkView<'a> {
    // Leaked: a test-lifetime cache cell per view.
    let totals = Box::leak(Box::new(sim_core::served::ServedTotals::default()));
    NetworkView::new(
        sim.network(),
        sim.rules(),
        sim.params(),
        sim.registration(),
        quality,
        totals,
    )
}

fn miner(min_payback: f64) -> Miner {
    let mut m = Miner::new(
        "m".into(),
        MinerConfig {
            subnets: vec![],
            capital_tao: Dist::Constant(10.0),
            quality: Dist::Constant(0.8),
            quality_drift_per_day: 0.0,
            reaction_blocks: Dist::Constant(100.0),
            min_payback,
            cost_tao_per_day: 0.0,
        },
    );
    m.init(&mut agent_stream(1, "m", 0));
    m.bind(ColdkeyId(0), &[HotkeyId(99)]);
    m
}

#[test]
fn a_miner_registers_where_the_reward_pays_back_the_burn_best() {
    let sim = world();
    let quality = [0.5; 4];
    let v = view(&sim, &quality);
    // Same alpha per block on both subnets, and subnet 2's alpha is worth twice as much; subnet 1
    // has four serving miners to share with.
    assert_eq!(miner(1.0).choose_subnet(&v), Some(NetUid(2)));
    // Nowhere pays back 10,000 times the burn.
    assert_eq!(miner(10_000.0).choose_subnet(&v), None);
    let mut m = miner(1.0);
    let mut out = Vec::new();
    let next = m.act(&v, &mut agent_stream(1, "m", 0), &mut out);
    assert_eq!(next, START + 1 + 100);
    assert_eq!(
        out,
        vec![
            Action::RegisterNeuron {
                netuid: NetUid(2),
                hotkey: HotkeyId(99)
            },
            Action::Serve {
                hotkey: HotkeyId(99),
                quality: 0.8
            }
        ]
    );
}

fn validator(style: Style, noise: f64) -> Validator {
    let mut v = Validator::new(
        "v".into(),
        ValidatorConfig {
            style,
            netuid: NetUid(1),
            stake_tao: Dist::Constant(1.0),
            noise,
            take: 0,
            update_every_tempos: 1,
            inactive_after_blocks: None,
            favour: vec!["cabal".into()],
        },
    );
    v.bind(ColdkeyId(0), &[HotkeyId(50)]);
    v
}

#[test]
fn validators_weight_by_their_style() {
    let sim = world();
    let quality = [0.2, 0.4, 0.0, 0.8];
    let v = view(&sim, &quality);
    let mut rng = agent_stream(1, "v", 0);
    // Honest without noise: quality over the largest; nothing served scores nothing.
    assert_eq!(
        validator(Style::Honest, 0.0).weights(&v, &mut rng),
        vec![(0, 16_384), (1, 32_768), (3, 65_535)]
    );
    // Copier: last epoch's consensus.
    assert_eq!(
        validator(Style::Copier, 0.0).weights(&v, &mut rng),
        vec![(1, 21_845), (2, 43_690), (3, 65_535)]
    );
    // Cabal: only its own miners, equally.
    assert_eq!(
        validator(Style::Cabal, 0.0).weights(&v, &mut rng),
        vec![(2, 65_535), (3, 65_535)]
    );
    // Noise moves the honest scores, but a miner serving nothing stays at zero.
    let noisy = validator(Style::Honest, 0.3).weights(&v, &mut rng);
    assert!(noisy.iter().all(|(uid, _)| *uid != 2));
}

#[test]
fn an_unregistered_validator_registers_stakes_and_sets_its_take_first() {
    let sim = world();
    let v = view(&sim, &[]);
    let mut val = validator(Style::Honest, 0.0);
    val.init(&mut agent_stream(1, "v", 0));
    let mut out = Vec::new();
    let next = val.act(&v, &mut agent_stream(1, "v", 0), &mut out);
    assert_eq!(next, START + 1 + 360);
    assert!(matches!(
        out[0],
        Action::RegisterNeuron {
            netuid: NetUid(1),
            ..
        }
    ));
    assert!(
        matches!(out[1], Action::AddStake { netuid: NetUid(1), tao, .. } if tao == Tao(RAO_PER_TAO))
    );
    assert!(matches!(out[2], Action::SetTake { take: 0, .. }));
}

#[test]
fn a_staker_puts_free_tao_on_the_best_yield() {
    let mut cfg = config(
        &[(20_000, 400_000, 1_200_000), (20_000, 400_000, 150_000)],
        1,
    );
    cfg.accounts = vec![("me".into(), Tao(100 * RAO_PER_TAO))];
    cfg.hotkeys.push(Hotkey {
        name: "val".into(),
        owner: ColdkeyId(0),
        delegate_take: DEFAULT_DELEGATE_TAKE,
    });
    for s in cfg.subnets.iter_mut().skip(1) {
        s.neurons.push(HotkeyId(0), START);
        s.neurons.validator_permit[0] = true;
    }
    let mut sim = Simulation::with_agents(cfg, Vec::new()).unwrap();
    sim.run_until(START + 1, &mut NullSink).unwrap();
    let v = view(&sim, &[]);
    let mut s = Staker::new(
        "s".into(),
        StakerConfig {
            subnets: vec![],
            include_root: false,
            capital_tao: Dist::Constant(100.0),
            rebalance_blocks: Dist::Constant(1000.0),
            inertia: 0.5,
            smoothing: 1.0,
            switch_margin: 1.2,
        },
    );
    s.init(&mut agent_stream(1, "s", 0));
    s.bind(ColdkeyId(0), &[]);
    // Subnet 2 has an eighth of subnet 1's alpha outstanding: eight times the yield.
    assert_eq!(s.best_subnet(&v).map(|b| b.0), Some(NetUid(2)));
    let mut out = Vec::new();
    assert_eq!(
        s.act(&v, &mut agent_stream(1, "s", 0), &mut out),
        START + 1 + 1000
    );
    assert_eq!(
        out,
        vec![Action::AddStake {
            hotkey: HotkeyId(0),
            netuid: NetUid(2),
            tao: Tao(100 * RAO_PER_TAO - RAO_PER_TAO / 100)
        }]
    );
}

#[test]
fn a_whale_wakes_at_its_entry_and_its_exit() {
    let sim = world();
    let v = view(&sim, &[]);
    let mut w = Whale::new(
        "w".into(),
        WhaleConfig {
            netuid: NetUid(1),
            capital_tao: Dist::Constant(5.0),
            enter_block: START + 1,
            exit_block: Some(START + 500),
        },
    );
    w.bind(ColdkeyId(0), &[]);
    assert_eq!(w.first_wake(START), START + 1);
    w.init(&mut agent_stream(1, "w", 0));
    let mut out = Vec::new();
    // In through the permit holder on subnet 1 (its free TAO less 0.01 for fees) ...
    assert_eq!(
        w.act(&v, &mut agent_stream(1, "w", 0), &mut out),
        START + 500
    );
    assert_eq!(
        out,
        vec![Action::AddStake {
            hotkey: HotkeyId(0),
            netuid: NetUid(1),
            tao: Tao(10 * RAO_PER_TAO - RAO_PER_TAO / 100)
        }]
    );
    // ... and out with everything at the exit block, never to wake again.
    out.clear();
    assert_eq!(w.act(&v, &mut agent_stream(1, "w", 0), &mut out), u64::MAX);
    assert_eq!(
        out,
        vec![Action::RemoveStake {
            hotkey: HotkeyId(0),
            netuid: NetUid(1),
            alpha: None
        }]
    );
}

#[test]
fn an_owner_registers_only_when_the_owner_cut_pays_the_lock() {
    let sim = world_with(2_000);
    let v = view(&sim, &[]);
    let owner = |horizon_days: f64| {
        let mut o = Owner::new(
            "o".into(),
            OwnerConfig {
                capital_tao: Dist::Constant(10.0),
                tempo: 360,
                horizon_days,
                reaction_blocks: Dist::Constant(10.0),
                hyperparameters: vec![],
                burn: 0.0,
            },
        );
        o.bind(ColdkeyId(0), &[HotkeyId(7)]);
        o
    };
    let lock = v.lock_cost().0 as f64 / RAO_PER_TAO as f64;
    assert!(
        lock <= 2_000.0,
        "the test's coldkey can pay the lock ({lock} TAO)"
    );
    let mut out = Vec::new();
    owner(0.0).act(&v, &mut agent_stream(1, "o", 0), &mut out);
    assert!(out.is_empty(), "no horizon, no registration");
    let long = owner(36_500.0);
    assert!(long.expected_owner_tao(&v) >= lock);
    let mut long = long;
    long.act(&v, &mut agent_stream(1, "o", 0), &mut out);
    assert_eq!(
        out,
        vec![Action::RegisterSubnet {
            hotkey: HotkeyId(7),
            tempo: 360
        }]
    );
}
