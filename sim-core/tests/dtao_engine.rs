//! The dTAO coinbase inside the block engine: hand-computed launch blocks, the current rules,
//! epoch drains, and a rule-era switch mid-run, with every invariant checked every block
//! (TAO conservation across balances, pools and recycles; alpha accounting per subnet).

use sim_core::amm::{Pool, QuoteWeight};
use sim_core::events::{EventAction, ScheduledEvent};
use sim_core::neurons::{Hotkey, HotkeyId, DEFAULT_DELEGATE_TAKE};
use sim_core::params::{Params, TAO_WEIGHT_018};
use sim_core::rules::{Era, Rules};
use sim_core::sim::{SimConfig, Simulation};
use sim_core::stake::SharePool;
use sim_core::subnet::{Mechanism, Subnet};
use sim_core::trace::MemorySink;
use sim_core::{Alpha, ColdkeyId, NetUid, Tao, RAO_PER_TAO};
use substrate_fixed::types::I96F32;

const START: u64 = 4_917_000;
const ROOT_STAKE: u64 = 5_900_000 * RAO_PER_TAO;

fn root() -> Subnet {
    let mut r = Subnet::new(
        NetUid(0),
        Pool::new(Tao(ROOT_STAKE), Alpha::ZERO, QuoteWeight::HALF),
        100,
        0,
    );
    r.mechanism = Mechanism::Stable;
    r
}

/// `n` launch pools of 1 TAO : 1 alpha with moving price 0, plus root.
fn launch_subnets(n: u16) -> Vec<Subnet> {
    let mut v = vec![root()];
    for netuid in 1..=n {
        let mut s = Subnet::new(
            NetUid(netuid),
            Pool::new(Tao(RAO_PER_TAO), Alpha(RAO_PER_TAO), QuoteWeight::HALF),
            360,
            START,
        );
        s.first_emission_block = Some(START);
        v.push(s);
    }
    v
}

fn config(subnets: Vec<Subnet>, rules: Rules) -> SimConfig {
    SimConfig {
        seed: 1,
        start_block: START,
        start_ms: 0,
        block_ms: 12_000,
        total_issuance: Tao(7_871_110 * RAO_PER_TAO),
        accounts: vec![],
        subnets,
        hotkeys: vec![],
        rules,
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

fn subnet(sim: &Simulation, netuid: u16) -> &Subnet {
    sim.network()
        .subnets
        .iter()
        .find(|s| s.netuid.0 == netuid)
        .expect("subnet exists")
}

/// Hotkeys named in order; hotkey i is owned by coldkey i (the i-th account).
fn hotkeys(names: &[&str]) -> Vec<Hotkey> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| Hotkey {
            name: n.to_string(),
            owner: ColdkeyId(i as u32),
            delegate_take: DEFAULT_DELEGATE_TAKE,
        })
        .collect()
}

/// A share pool holding `amount` rao staked by coldkey `c`.
fn staked_pool(c: u32, amount: u64) -> SharePool<ColdkeyId> {
    let mut p = SharePool::new();
    p.stake(&ColdkeyId(c), amount);
    p
}

#[test]
fn the_first_launch_blocks_follow_the_launch_rules() {
    let mut sim = Simulation::new(config(launch_subnets(4), Era::DtaoLaunch.rules())).unwrap();
    let mut sink = MemorySink::default();
    sim.start(&mut sink).unwrap();
    let ti0 = sim.network().ledger.total_issuance().0;

    // Block 1: every moving price is 0, so Σp̄ = 0 and no subnet gets TAO; issuance does not
    // move (the launch coinbase minted only what it injected). alpha_in = min(0 / 1, 1) = 0.
    sim.step_block(&mut sink).unwrap();
    assert_eq!(sim.network().ledger.total_issuance().0, ti0);
    let s = subnet(&sim, 1);
    assert_eq!(s.last_emission.tao_in, Tao(0));
    assert_eq!(s.last_emission.alpha_in, Alpha(0));
    assert_eq!(
        s.last_emission.alpha_out,
        Alpha(RAO_PER_TAO),
        "alpha_out = 1 alpha"
    );
    // Owner cut 11796/65535 of 1 alpha.
    let cut = (11_796u128 * 1_000_000_000 / 65_535) as u64;
    assert_eq!(s.last_emission.owner_cut.0, cut);
    // Root proportion after the mint: τR / (τR + 2 alpha) with τ = 0.18, R = 5.9M TAO.
    let tau = TAO_WEIGHT_018 as f64 / u64::MAX as f64;
    let tr = tau * ROOT_STAKE as f64;
    let root_prop = tr / (tr + 2e9);
    assert!((s.last_emission.root_proportion - root_prop).abs() < 1e-9);
    // Root alpha = root_prop * (1 alpha - cut) / 2, sold into the 1:1 pool (x*y = k).
    let root_alpha = (root_prop * (1e9 - cut as f64) * 0.5) as u64;
    assert!(s.last_emission.root_alpha.0.abs_diff(root_alpha) <= 1);
    let a = s.last_emission.root_alpha.0 as u128;
    let new_tao = (1_000_000_000u128 * 1_000_000_000).div_ceil(1_000_000_000 + a);
    let tao_out = 1_000_000_000 - new_tao as u64;
    assert_eq!(s.pool.tao_reserve.0, 1_000_000_000 - tao_out);
    assert_eq!(s.pool.alpha_reserve.0, 1_000_000_000 + a as u64);
    assert_eq!(
        s.pending_root_tao.0, tao_out,
        "the root sell's TAO waits for the epoch"
    );
    assert_eq!(s.alpha_out.0, 1_000_000_000 - a as u64);
    // The EMA (launch hotfix: spot capped at 1) moved off 0 by α·spot.
    let spot = s.pool.tao_reserve.0 as f64 / s.pool.alpha_reserve.0 as f64;
    let alpha = 12_885.0 / 4_294_967_296.0;
    assert!((s.moving_price_f64() - alpha * spot).abs() < 1e-9);

    // Block 2: all moving prices equal, so each of the 4 subnets gets E/4 = 0.25 TAO, all of
    // it injected, and alpha_in = min(tao_in / price, 1 alpha).
    let price = s.pool.launch_price();
    sim.step_block(&mut sink).unwrap();
    let s = subnet(&sim, 2);
    assert_eq!(s.last_emission.tao_in, Tao(250_000_000));
    let alpha_in = I96F32::from_num(250_000_000u64)
        .checked_div(price)
        .unwrap()
        .min(I96F32::from_num(1_000_000_000u64))
        .to_num::<u64>();
    assert_eq!(s.last_emission.alpha_in, Alpha(alpha_in));
    assert_eq!(
        sim.network().ledger.total_issuance().0,
        ti0 + 4 * 250_000_000,
        "issuance rose by the TAO injected"
    );
}

#[test]
fn launch_epochs_drain_every_tempo_plus_one_blocks_with_the_netuid_offset() {
    let mut sim = Simulation::new(config(launch_subnets(2), Era::DtaoLaunch.rules())).unwrap();
    let mut sink = MemorySink::default();
    sim.start(&mut sink).unwrap();
    // Legacy schedule: netuid n runs when (block + n + 1) % 361 == 360.
    let due = |n: u64, b: u64| (b + n + 1) % 361 == 360;
    let mut drained = [0u32; 3];
    for _ in 0..800 {
        sim.step_block(&mut sink).unwrap();
        let b = sim.block();
        for n in 1..=2u16 {
            let s = subnet(&sim, n);
            if due(u64::from(n), b) {
                drained[n as usize] += 1;
                assert_eq!(s.pending_alpha(), 0, "netuid {n} drained at {b}");
                assert_eq!(s.pending_root_tao, Tao::ZERO);
            } else {
                assert!(s.pending_alpha() > 0, "netuid {n} accumulates at {b}");
            }
        }
    }
    assert_eq!(drained, [0, 2, 2]);
    assert_eq!(sim.clock().time_of(sim.block()), 800 * 12_000);
}

/// Subnets under the current rules, with moving prices and a balancer pool.
fn current_subnets() -> Vec<Subnet> {
    let mut v = vec![root()];
    for (netuid, tao, alpha, moving) in [
        (1u16, 50_000u64, 1_000_000u64, 0.05f64),
        (2, 20_000, 2_000_000, 0.01),
        (3, 200_000, 400_000, 0.4),
    ] {
        let mut s = Subnet::new(
            NetUid(netuid),
            Pool::new(
                Tao(tao * RAO_PER_TAO),
                Alpha(alpha * RAO_PER_TAO),
                QuoteWeight::HALF,
            ),
            360,
            START - 100_000,
        );
        s.first_emission_block = Some(START - 100_000);
        s.alpha_out = Alpha(alpha * RAO_PER_TAO);
        s.moving_price = I96F32::from_num(moving);
        v.push(s);
    }
    v
}

#[test]
fn under_the_current_rules_the_credit_is_placed_or_recycled_every_block() {
    let mut sim = Simulation::new(config(current_subnets(), Era::Current.rules())).unwrap();
    let mut sink = MemorySink::default();
    sim.start(&mut sink).unwrap();
    let moving_before: Vec<f64> = (1..=3)
        .map(|n| subnet(&sim, n).moving_price_f64())
        .collect();
    for _ in 0..1_000 {
        let ti = sim.network().ledger.total_issuance().0;
        let pools = sim.network().pools_and_locks().0;
        let recycled = sim.network().ledger.recycled().total().0;
        sim.step_block(&mut sink).unwrap();
        let placed = sim.network().pools_and_locks().0 - pools;
        let rec = sim.network().ledger.recycled().total().0 - recycled;
        assert_eq!(
            placed + rec,
            1_000_000_000,
            "E = placed in subnets + recycled"
        );
        assert_eq!(sim.network().ledger.total_issuance().0, ti + placed);
    }
    // Shares follow the moving prices: 0.05 : 0.01 : 0.4 of 0.46.
    let shares: Vec<f64> = (1..=3)
        .map(|n| subnet(&sim, n).last_emission.share)
        .collect();
    let total: f64 = moving_before.iter().sum();
    for (got, m) in shares.iter().zip(&moving_before) {
        assert!(
            (got - m / total).abs() < 1e-3,
            "share {got} vs {}",
            m / total
        );
    }
    // Subnet 3 is priced at 0.5 TAO/alpha: alpha_in = E_3/0.5 exceeds the cap root_prop * 1
    // alpha, so it gets a chain buy and keeps the bought alpha as protocol alpha.
    let s3 = subnet(&sim, 3);
    assert!(s3.last_emission.excess_tao.0 > 0);
    assert!(s3.protocol_alpha.0 > 0);
    // Sum of moving prices < 1: the root-sell flag is off and root alpha is recycled, so no
    // subnet accumulates pending root dividends.
    assert!((1..=3).all(|n| subnet(&sim, n).pending.root == Alpha::ZERO));
    // The moving prices moved toward the spot prices (capped at 1).
    for n in 1..=3u16 {
        let s = subnet(&sim, n);
        let spot = s.pool.current_price().to_num::<f64>().min(1.0);
        let before = moving_before[n as usize - 1];
        let now = s.moving_price_f64();
        assert!(
            (now - before).signum() == (spot - before).signum(),
            "netuid {n}"
        );
    }
}

#[test]
fn switching_the_rule_era_mid_run_changes_the_coinbase_at_that_block() {
    let switch_at = START + 50;
    let mut cfg = config(launch_subnets(3), Era::DtaoLaunch.rules());
    cfg.events.push(ScheduledEvent {
        at_block: switch_at,
        action: EventAction::SwitchEra(Era::Current),
    });
    let mut sim = Simulation::new(cfg).unwrap();
    let mut sink = MemorySink::default();
    sim.start(&mut sink).unwrap();
    sim.run_until(switch_at, &mut sink).unwrap();
    assert_eq!(sim.rules().era, Era::Current);
    let minted_launch = sim.network().ledger.minted().0;
    assert!(
        minted_launch < 50 * RAO_PER_TAO,
        "the launch coinbase minted only what it injected"
    );
    // From the next block on: the whole emission is minted each block, placed or recycled.
    sim.run_until(switch_at + 20, &mut sink).unwrap();
    assert_eq!(
        sim.network().ledger.minted().0 - minted_launch,
        20 * RAO_PER_TAO
    );
    // The current split: pending server/validator buckets instead of the launch bucket.
    let s = subnet(&sim, 1);
    assert!(s.pending.server.0 > 0 && s.pending.validator.0 > 0);
    sim.finish(&mut sink).unwrap();
}

#[test]
fn in_the_tao_flow_era_shares_follow_the_user_flow_ema() {
    use sim_core::coinbase::flow::FlowEma;
    use substrate_fixed::types::I64F64;
    let mut subnets = current_subnets();
    // Users' flow EMAs of 100 and 300 TAO per block on subnets 1 and 2; none on subnet 3.
    for (netuid, tao) in [(1usize, 100u64), (2, 300)] {
        subnets[netuid].flow.user_ema = Some(FlowEma {
            last_block: START,
            ema: I64F64::from_num(tao * RAO_PER_TAO),
        });
    }
    let mut sim = Simulation::new(config(subnets, Era::TaoFlow.rules())).unwrap();
    let mut sink = MemorySink::default();
    sim.start(&mut sink).unwrap();
    sim.step_block(&mut sink).unwrap();
    let share = |n| subnet(&sim, n).last_emission.share;
    // The EMA decays by (1 - 3.2e-6) a block with no new flow; the ratio stays 1 : 3.
    assert!((share(1) - 0.25).abs() < 1e-6, "{}", share(1));
    assert!((share(2) - 0.75).abs() < 1e-6, "{}", share(2));
    assert_eq!(share(3), 0.0, "no user flow, no emission");
    // Protocol inflow recorded from this block's injections (drained into the EMA next block).
    let f = subnet(&sim, 1).flow;
    assert!(f.protocol_flow > 0 || f.protocol_ema.is_some());
}

#[test]
fn an_epoch_pays_miners_validators_and_the_owner_into_share_pools() {
    let names = ["v1", "v2", "m1", "m2", "owner"];
    let mut subnets = current_subnets();
    // Validator v1 also has 100k TAO on root, so it earns root dividends.
    subnets[0]
        .pools
        .insert(HotkeyId(0), staked_pool(0, 100_000 * RAO_PER_TAO));
    let s = &mut subnets[1];
    s.clock = sim_core::schedule::EpochClock::new_subnet(NetUid(1), 10, START);
    s.owner = Some((ColdkeyId(4), HotkeyId(4)));
    for hk in 0..4 {
        s.neurons.push(HotkeyId(hk), START - 1_000);
    }
    // Weights set at the start block: the validators are active for the first epochs.
    s.neurons.last_update[0] = START;
    s.neurons.last_update[1] = START;
    // They held validator permits before (the epoch masks weights by the previous permits).
    s.neurons.validator_permit[0] = true;
    s.neurons.validator_permit[1] = true;
    s.neurons.weights[0] = vec![(2, 65_535), (3, 30_000)];
    s.neurons.weights[1] = vec![(2, 40_000), (3, 65_535)];
    s.pools
        .insert(HotkeyId(0), staked_pool(0, 300_000 * RAO_PER_TAO));
    s.pools
        .insert(HotkeyId(1), staked_pool(1, 100_000 * RAO_PER_TAO));
    let mut cfg = config(subnets, Era::Current.rules());
    cfg.hotkeys = hotkeys(&names);
    cfg.accounts = names.iter().map(|n| (n.to_string(), Tao::ZERO)).collect();
    // Raise the sum of moving prices above 1 so root alpha is paid, not recycled.
    cfg.subnets[3].moving_price = I96F32::from_num(0.99);
    let mut sim = Simulation::new(cfg).unwrap();
    let mut sink = MemorySink::default();
    sim.start(&mut sink).unwrap();
    let stake = |sim: &Simulation, hk: u32, ck: u32| {
        subnet(sim, 1)
            .pools
            .get(&HotkeyId(hk))
            .map_or(0, |p| p.stake_of(&ColdkeyId(ck)))
    };
    let before_v1 = stake(&sim, 0, 0);
    for _ in 0..12 {
        sim.step_block(&mut sink).unwrap();
    }
    let s = subnet(&sim, 1);
    assert_eq!(s.clock.epoch_index, 1, "one epoch in 12 blocks at tempo 10");
    // Miners earned incentive, staked to their own coldkeys; m1 has the larger consensus weight.
    let (m1, m2) = (stake(&sim, 2, 2), stake(&sim, 3, 3));
    assert!(m1 > 0 && m2 > 0, "miners paid: {m1} {m2}");
    assert!(s.neurons.incentive[2] > 0 && s.neurons.incentive[3] > 0);
    // Validators earned dividends (v1 also its take as owner of its own hotkey).
    assert!(stake(&sim, 0, 0) > before_v1);
    assert!(s.neurons.dividends[0] > 0);
    // The owner's hotkey received the owner cut.
    assert!(stake(&sim, 4, 4) > 0, "owner cut staked");
    // v1's root stake earned claimable root dividends.
    assert!(s
        .root_claimable
        .get(&HotkeyId(0))
        .is_some_and(|r| *r > I96F32::from_num(0)));
    // Every bucket was drained into the payout; the invariants held every block.
    let paid = sink.network.last().unwrap().alpha_paid;
    assert!(paid > 0);
    // Auto-claims (Swap): v1's owner (the only root staker, so drawn every block) claimed in the
    // blocks after the epoch, selling the owed alpha into subnet 1's pool and restaking the TAO.
    let root_after = subnet(&sim, 0).pools[&HotkeyId(0)].stake_of(&ColdkeyId(0));
    assert!(
        root_after > 100_000 * RAO_PER_TAO,
        "root stake grew by the claim: {root_after}"
    );
    assert!(
        s.alpha_root_owed.0 < 500_000,
        "what is left owed is below the claim threshold"
    );
    sim.finish(&mut sink).unwrap();
}

#[test]
fn a_registration_wave_raises_the_price_and_rejections_are_recorded() {
    let mut cfg = config(current_subnets(), Era::Current.rules());
    cfg.accounts = vec![("miner".into(), Tao::from_tokens(10))];
    for (at, count) in [(START + 1, 6u32), (START + 400, 1)] {
        cfg.events.push(ScheduledEvent {
            at_block: at,
            action: EventAction::RegisterNeurons {
                netuid: NetUid(2),
                count,
                coldkey: "miner".into(),
            },
        });
    }
    let mut sim = Simulation::new(cfg).unwrap();
    let mut sink = MemorySink::default();
    sim.start(&mut sink).unwrap();
    sim.run_until(START + 400, &mut sink).unwrap();
    let rows = &sink.registrations;
    assert_eq!(rows.len(), 7);
    let ok: Vec<_> = rows
        .iter()
        .filter(|r| r.outcome == "ok" && r.block == START + 1)
        .collect();
    assert!(ok.len() >= 2);
    // Each registration in the burst bumps the price x1.26 (spec 4.1) until the 10 TAO run out.
    for pair in ok.windows(2) {
        let ratio = pair[1].price as f64 / pair[0].price as f64;
        assert!((ratio - 1.26).abs() < 1e-6, "{ratio}");
    }
    let refused = rows.iter().find(|r| r.outcome != "ok").expect("a refusal");
    assert!(refused.outcome.contains("balance"), "{}", refused.outcome);
    assert_eq!(refused.uid, None);
    // ~400 blocks later the price has decayed below the last price paid.
    let last = rows.last().unwrap();
    assert!(
        last.price < ok.last().unwrap().price,
        "decayed: {} vs {}",
        last.price,
        ok.last().unwrap().price
    );
    assert_eq!(
        subnet(&sim, 2).neurons.len(),
        rows.iter().filter(|r| r.outcome == "ok").count()
    );
}

#[test]
fn staking_events_execute_or_are_refused_with_a_reason() {
    let mut cfg = config(current_subnets(), Era::Current.rules());
    cfg.accounts = vec![("whale".into(), Tao::from_tokens(50_000))];
    let stake = |at: u64, action: EventAction| ScheduledEvent {
        at_block: at,
        action,
    };
    cfg.events = vec![
        stake(
            START + 1,
            EventAction::AddStake {
                coldkey: "whale".into(),
                hotkey: "w".into(),
                netuid: NetUid(2),
                tao: Tao::from_tokens(10_000),
            },
        ),
        stake(
            START + 2,
            EventAction::RemoveStake {
                coldkey: "whale".into(),
                hotkey: "nobody".into(),
                netuid: NetUid(2),
                alpha: None,
            },
        ),
        stake(
            START + 3,
            EventAction::AddStake {
                coldkey: "whale".into(),
                hotkey: "w".into(),
                netuid: NetUid(2),
                tao: Tao::from_tokens(1_000_000),
            },
        ),
        stake(
            START + 10,
            EventAction::RemoveStake {
                coldkey: "whale".into(),
                hotkey: "w".into(),
                netuid: NetUid(2),
                alpha: None,
            },
        ),
    ];
    let mut sim = Simulation::new(cfg).unwrap();
    let mut sink = MemorySink::default();
    sim.start(&mut sink).unwrap();
    let price_before = subnet(&sim, 2).pool.current_price().to_num::<f64>();
    sim.run_until(START + 1, &mut sink).unwrap();
    assert!(subnet(&sim, 2).pool.current_price().to_num::<f64>() > price_before * 1.5);
    sim.run_until(START + 10, &mut sink).unwrap();
    let a = &sink.actions;
    assert_eq!(a.len(), 4);
    assert_eq!(a[0].outcome, "ok");
    assert!(a[0].result > 0, "alpha bought");
    assert!(a[1].outcome.contains("unknown hotkey"), "{}", a[1].outcome);
    assert!(
        a[2].outcome.to_lowercase().contains("balance"),
        "{}",
        a[2].outcome
    );
    assert_eq!(a[3].outcome, "ok");
    assert_eq!(a[3].amount, a[0].result, "everything held is sold");
    // Fees and slippage: the round trip returns less than was staked.
    assert!(a[3].result < a[0].amount);
    let whale = sim.network().ledger.coldkey_id("whale").unwrap();
    assert_eq!(
        sim.network().ledger.free_balance(whale).0,
        Tao::from_tokens(40_000).0 + a[3].result
    );
    sim.finish(&mut sink).unwrap();
}

#[test]
fn move_stake_and_unstake_all_events_follow_the_positions() {
    let mut cfg = config(current_subnets(), Era::Current.rules());
    cfg.accounts = vec![("n".into(), Tao::from_tokens(20_000))];
    let ev = |at: u64, action: EventAction| ScheduledEvent {
        at_block: at,
        action,
    };
    let add = |netuid: u16| EventAction::AddStake {
        coldkey: "n".into(),
        hotkey: "h".into(),
        netuid: NetUid(netuid),
        tao: Tao::from_tokens(5_000),
    };
    cfg.events = vec![
        ev(START + 1, add(0)),
        ev(START + 1, add(1)),
        ev(
            START + 2,
            EventAction::MoveStake {
                coldkey: "n".into(),
                hotkey: "h".into(),
                netuid: NetUid(1),
                to_hotkey: "h".into(),
                to_netuid: NetUid(3),
                alpha: None,
            },
        ),
        ev(
            START + 3,
            EventAction::UnstakeAll {
                coldkey: "n".into(),
                hotkey: "h".into(),
            },
        ),
    ];
    let mut sim = Simulation::new(cfg).unwrap();
    let mut sink = MemorySink::default();
    sim.start(&mut sink).unwrap();
    sim.run_until(START + 3, &mut sink).unwrap();
    let a = &sink.actions;
    assert!(a.iter().all(|r| r.outcome == "ok"), "{a:#?}");
    // Root staking is 1:1.
    assert_eq!(a[0].result, Tao::from_tokens(5_000).0);
    assert_eq!(a[2].kind, "move_stake");
    assert!(a[2].result > 0, "alpha bought on subnet 3");
    // unstake_all sold the subnet-3 and root positions: nothing is left anywhere.
    let n = sim.network().ledger.coldkey_id("n").unwrap();
    for s in &sim.network().subnets {
        let left = s.pools.values().map(|p| p.stake_of(&n)).sum::<u64>();
        assert_eq!(left, 0, "netuid {}", s.netuid.0);
    }
    // 20,000 TAO less the two stakes of 5,000, plus what unstake_all returned.
    assert_eq!(
        sim.network().ledger.free_balance(n).0,
        Tao::from_tokens(10_000).0 + a[3].result
    );
    assert!(
        a[3].result > Tao::from_tokens(5_000).0,
        "root 1:1 plus the subnet-3 position"
    );
    sim.finish(&mut sink).unwrap();
}

#[test]
fn before_dtao_the_root_network_splits_emission_and_roots_share_is_recycled() {
    use sim_core::ledger::RecycleReason;
    let mut subnets = launch_subnets(2);
    // Two root validators (all of root's modelled stake), agreeing: root 0.2, subnet 1 0.6,
    // subnet 2 0.2.
    let root = &mut subnets[0];
    for (hk, stake) in [(0u32, 3_000_000u64), (1, 1_000_000)] {
        root.neurons.push(HotkeyId(hk), 0);
        root.neurons.weights[hk as usize] = vec![(0, 2), (1, 6), (2, 2)];
        root.pools
            .insert(HotkeyId(hk), staked_pool(hk, stake * RAO_PER_TAO));
    }
    let mut cfg = config(subnets, Era::PreDtao.rules());
    cfg.accounts = vec![("a".into(), Tao::ZERO), ("b".into(), Tao::ZERO)];
    cfg.hotkeys = hotkeys(&["rv0", "rv1"]);
    let mut sim = Simulation::new(cfg).unwrap();
    let mut sink = MemorySink::default();
    sim.start(&mut sink).unwrap();
    let ti0 = sim.network().ledger.total_issuance().0;
    sim.run_until(START + 10, &mut sink).unwrap();
    // Full agreement: every subnet has full trust, so shares follow the weights.
    let e1 = subnet(&sim, 1).last_emission.tao_emission.0 as i64;
    let e2 = subnet(&sim, 2).last_emission.tao_emission.0 as i64;
    assert!((e1 - 600_000_000).abs() <= 3, "{e1}");
    assert!((e2 - 200_000_000).abs() <= 3, "{e2}");
    // Root's 0.2 is recycled: issuance grows by about 0.8 TAO a block.
    let recycled = sim
        .network()
        .ledger
        .recycled()
        .get(RecycleReason::UnspentEmission)
        .0;
    assert!(
        (recycled as i64 - 10 * 200_000_000).abs() <= 100,
        "{recycled}"
    );
    assert_eq!(
        sim.network().ledger.total_issuance().0,
        ti0 + 10 * RAO_PER_TAO - recycled
    );
    // No pools move before dTAO.
    assert_eq!(subnet(&sim, 1).pool.tao_reserve, Tao(RAO_PER_TAO));
}

#[test]
fn a_root_validator_parent_earns_through_its_child_on_the_subnet() {
    // Hotkeys: 0 = v (a subnet validator with a little alpha), 1 = m (a miner),
    // 2 = R (a root validator, not registered on the subnet, 100 % parent of v).
    let names = ["v", "m", "R"];
    let mut subnets = current_subnets();
    subnets[0]
        .pools
        .insert(HotkeyId(2), staked_pool(2, 1_000_000 * RAO_PER_TAO));
    let s = &mut subnets[1];
    s.clock = sim_core::schedule::EpochClock::new_subnet(NetUid(1), 10, START);
    s.neurons.push(HotkeyId(0), START - 1_000);
    s.neurons.push(HotkeyId(1), START - 1_000);
    s.neurons.last_update[0] = START;
    s.neurons.validator_permit[0] = true;
    s.neurons.weights[0] = vec![(1, 65_535)];
    // v's own 2,000 alpha is above the stake threshold on its own.
    s.pools
        .insert(HotkeyId(0), staked_pool(0, 2_000 * RAO_PER_TAO));
    s.set_child(HotkeyId(2), HotkeyId(0), u64::MAX);
    let mut cfg = config(subnets, Era::Current.rules());
    cfg.hotkeys = hotkeys(&names);
    cfg.accounts = names.iter().map(|n| (n.to_string(), Tao::ZERO)).collect();
    cfg.subnets[3].moving_price = I96F32::from_num(0.99);
    let mut sim = Simulation::new(cfg).unwrap();
    let mut sink = MemorySink::default();
    sim.start(&mut sink).unwrap();
    for _ in 0..12 {
        sim.step_block(&mut sink).unwrap();
    }
    let s = subnet(&sim, 1);
    assert_eq!(s.clock.epoch_index, 1);
    // v's epoch stake inherits R's root stake, so v holds the validator permit and earns
    // dividends; R's contribution (0.18 x 1M TAO) dwarfs v's own 2,000 alpha, so nearly all of
    // v's dividend goes up to R. R holds no alpha there: its part is a root dividend, credited to
    // RootClaimable[R][1] and auto-claimed (sold, restaked on root) by R's coldkey.
    assert!(s
        .root_claimable
        .get(&HotkeyId(2))
        .is_some_and(|r| *r > I96F32::from_num(0)));
    let r_root = subnet(&sim, 0).pools[&HotkeyId(2)].stake_of(&ColdkeyId(2));
    assert!(
        r_root > 1_000_000 * RAO_PER_TAO,
        "R's root stake grew by its claims: {r_root}"
    );
    // The child keeps its own share of the dividend.
    assert!(s.pools[&HotkeyId(0)].value() > 2_000 * RAO_PER_TAO);
    assert!(s.neurons.dividends[0] > 0);
    sim.finish(&mut sink).unwrap();
}
