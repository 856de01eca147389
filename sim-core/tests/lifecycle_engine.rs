//! Neuron registration, subnet registration, start call and dissolution on the engine state
//! (`lifecycle::ops`), with hand-checked numbers. After every operation: TAO conservation
//! (issuance = free + unmodelled + Σ tao_held) and every subnet's alpha accounting; after every
//! rejection: nothing changed.

use sim_core::amm::{Pool, QuoteWeight};
use sim_core::ledger::{Ledger, RecycleReason};
use sim_core::lifecycle::ops::{
    dissolve_subnet, register_neuron, register_subnet, start_call, NeuronRequest,
    RegistrationRejected, RegistrationState, SubnetRegistration, LEGACY_START_CALL_DELAY,
};
use sim_core::network::Network;
use sim_core::neurons::{Hotkey, HotkeyId, DEFAULT_DELEGATE_TAKE};
use sim_core::params::Params;
use sim_core::registration::{
    NetworkLock, RegisterNetworkError, RegistrationError, RegistrationKind,
};
use sim_core::rules::Era;
use sim_core::stake::SharePool;
use sim_core::subnet::{Mechanism, Subnet};
use sim_core::{Alpha, ColdkeyId, NetUid, Tao, Uid, RAO_PER_TAO};
use substrate_fixed::types::{I96F32, U64F64};

const T: u64 = RAO_PER_TAO;
/// TAO held by the unmodelled rest of the network in every test network.
const UNMODELLED: u64 = 1_000_000 * T;

fn pool(tao: u64, alpha: u64) -> Pool {
    Pool::new(Tao(tao), Alpha(alpha), QuoteWeight::HALF)
}

/// A started dynamic subnet with `alpha_out` held by unmodelled stakers.
fn subnet(netuid: u16, tao: u64, alpha: u64, alpha_out: u64, registered_at: u64) -> Subnet {
    let mut s = Subnet::new(NetUid(netuid), pool(tao, alpha), 360, registered_at);
    s.first_emission_block = Some(registered_at + 1);
    s.alpha_out = Alpha(alpha_out);
    s.alpha_staked = Alpha(alpha_out);
    s
}

fn root(stake: u64) -> Subnet {
    let mut r = Subnet::new(NetUid(0), pool(stake, 0), 100, 0);
    r.mechanism = Mechanism::Stable;
    r
}

/// A network at `block` whose ledger holds the accounts, the subnets' TAO and [`UNMODELLED`].
fn network(
    block: u64,
    accounts: &[(&str, u64)],
    subnets: Vec<Subnet>,
    hotkeys: Vec<Hotkey>,
) -> Network {
    let held: u64 = subnets.iter().map(|s| s.tao_held()).sum();
    let free: u64 = accounts.iter().map(|(_, b)| b).sum();
    let named: Vec<(String, Tao)> = accounts
        .iter()
        .map(|(n, b)| ((*n).to_string(), Tao(*b)))
        .collect();
    let ledger = Ledger::new(Tao(free + held + UNMODELLED), &named, Tao(held)).unwrap();
    Network {
        block,
        ledger,
        block_emission: Tao::ZERO,
        subnets,
        hotkeys,
    }
}

fn hotkey(name: &str, owner: u32) -> Hotkey {
    Hotkey {
        name: name.to_string(),
        owner: ColdkeyId(owner),
        delegate_take: DEFAULT_DELEGATE_TAKE,
    }
}

/// Conservation and alpha accounting.
fn check(net: &Network) {
    let l = &net.ledger;
    let held: u64 = net.subnets.iter().map(|s| s.tao_held()).sum();
    assert_eq!(
        l.total_issuance().0,
        l.free_total().0 + l.unmodelled().0 + held,
        "TAO conservation"
    );
    for s in &net.subnets {
        assert_eq!(
            s.alpha_accounting_gap(),
            None,
            "alpha accounting of subnet {}",
            s.netuid
        );
    }
}

fn sub(net: &Network, netuid: u16) -> &Subnet {
    net.subnets.iter().find(|s| s.netuid.0 == netuid).unwrap()
}

fn free(net: &Network, name: &str) -> u64 {
    net.ledger
        .free_balance(net.ledger.coldkey_id(name).unwrap())
        .0
}

/// A rejection leaves network and registration state exactly as they were.
fn assert_unchanged(before: &(String, RegistrationState), net: &Network, reg: &RegistrationState) {
    assert_eq!(before.0, format!("{net:?}"), "the network changed");
    assert_eq!(&before.1, reg, "the registration state changed");
}

fn snapshot(net: &Network, reg: &RegistrationState) -> (String, RegistrationState) {
    (format!("{net:?}"), reg.clone())
}

#[test]
fn a_burst_of_registrations_raises_the_price_and_it_decays_back() {
    let rules = Era::Current.rules();
    let mut net = network(
        1_000_000,
        &[("alice", 100 * T)],
        vec![
            root(1_000 * T),
            subnet(1, 1_000 * T, 1_000 * T, 500 * T, 10),
        ],
        vec![],
    );
    let mut reg = RegistrationState::new();
    reg.on_block(&net, &rules);
    // A subnet first seen starts at 1 TAO and this block's decay step already applies.
    let start = reg.neuron_price(NetUid(1), &rules);
    assert!(
        start < Tao(T) && start > Tao(998_000_000),
        "one decay step: {start}"
    );
    // Start from exactly 1 TAO for round numbers.
    reg.per_subnet.get_mut(&NetUid(1)).unwrap().neuron.burn = Tao(T);
    let ti0 = net.ledger.total_issuance();

    // Each registration pays the price and bumps it x1.26 (floored, U64F64 1.26 + 4.4e-18).
    let prices = [
        1_000_000_000u64,
        1_260_000_000,
        1_587_600_000,
        2_000_376_000,
        2_520_473_760,
    ];
    let mut paid_total = 0;
    for (i, price) in prices.iter().enumerate() {
        let pool_before = sub(&net, 1).pool;
        let alpha_out_before = sub(&net, 1).alpha_out;
        let name = format!("miner{i}");
        let r = register_neuron(
            &mut net,
            &mut reg,
            &rules,
            &NeuronRequest::burned(NetUid(1), "alice", &name),
        )
        .unwrap();
        assert_eq!(r.price, Tao(*price));
        assert_eq!(r.paid, Tao(*price));
        assert_eq!(r.uid, Uid(i as u16));
        assert!(r.new_hotkey);
        assert_eq!(r.replaced, None);
        let s = sub(&net, 1);
        // The burn bought alpha (fee 33/65535 kept in the subnet account) and the alpha is
        // recycled: alpha_out does not move, the pool's alpha reserve falls.
        assert_eq!(r.payment.fee.0, price * 33 / 65_535);
        assert_eq!(r.payment.tao_to_pool.0 + r.payment.fee.0, *price);
        assert_eq!(
            s.pool.tao_reserve,
            pool_before
                .tao_reserve
                .saturating_add(r.payment.tao_to_pool)
        );
        assert_eq!(
            s.pool.alpha_reserve.0,
            pool_before.alpha_reserve.0 - r.payment.alpha_recycled.0
        );
        assert_eq!(s.alpha_out, alpha_out_before);
        assert_eq!(r.payment.tao_recycled, Tao::ZERO);
        if i == 0 {
            // fee = floor(1e9 · 33/65535) = 503,547; in = 999,496,453; constant product out =
            // floor(1000e9 · 999,496,453 / (1000e9 + 999,496,453)) = 998,498,457 (±1 rao for
            // the balancer's power rounding).
            assert_eq!(r.payment.fee, Tao(503_547));
            assert_eq!(r.payment.tao_to_pool, Tao(999_496_453));
            assert!(r.payment.alpha_recycled.0.abs_diff(998_498_457) <= 1);
        }
        // Counted as user TAO inflow under the current rule.
        paid_total += price;
        assert_eq!(s.flow.user_flow, paid_total as i64);
        check(&net);
    }
    assert_eq!(free(&net, "alice"), 100 * T - 8_368_449_760);
    assert_eq!(
        sub(&net, 1).account_surplus.0,
        prices.iter().map(|p| p * 33 / 65_535).sum::<u64>()
    );
    assert_eq!(
        net.ledger.total_issuance(),
        ti0,
        "the burn stays in the subnet: no TAO recycled"
    );
    assert_eq!(sub(&net, 1).neurons.len(), 5);
    assert_eq!(net.hotkeys.len(), 5);
    let peak = reg.neuron_price(NetUid(1), &rules);
    assert_eq!(peak, Tao(3_175_796_937), "2,520,473,760 x 1.26 floored");

    // Decay: the price halves every 360 blocks (Q32 factor, floored each block).
    let mut last = peak;
    for _ in 0..360 {
        net.block += 1;
        reg.on_block(&net, &rules);
        let p = reg.neuron_price(NetUid(1), &rules);
        assert!(p < last);
        last = p;
    }
    let half = peak.0 as f64 / 2.0;
    assert!(
        (last.0 as f64 - half).abs() / half < 1e-6,
        "after one half-life: {last}"
    );
    for _ in 360..720 {
        net.block += 1;
        reg.on_block(&net, &rules);
    }
    let quarter = peak.0 as f64 / 4.0;
    let p = reg.neuron_price(NetUid(1), &rules).0 as f64;
    assert!((p - quarter).abs() / quarter < 1e-6, "after two: {p}");
    assert!(p < T as f64, "back below the 1 TAO start");
    // ... down to MinBurn (0.0005 TAO) and no further.
    for _ in 0..360 * 14 {
        net.block += 1;
        reg.on_block(&net, &rules);
    }
    assert_eq!(reg.neuron_price(NetUid(1), &rules), Tao(500_000));
    check(&net);
}

#[test]
fn before_dtao_the_burn_is_recycled_and_the_block_limit_binds() {
    let rules = Era::PreDtao.rules();
    let mut net = network(
        2_000_000,
        &[("alice", 10 * T)],
        vec![root(1_000 * T), subnet(1, 0, 0, 0, 10)],
        vec![],
    );
    let mut reg = RegistrationState::new();
    reg.on_block(&net, &rules);
    // No interval adjustment at this block: the interval starts here.
    let state = reg.per_subnet.get_mut(&NetUid(1)).unwrap();
    state.neuron.burn = Tao(T);
    state.neuron.interval.last_adjustment_block = net.block;
    let ti0 = net.ledger.total_issuance();

    let r = register_neuron(
        &mut net,
        &mut reg,
        &rules,
        &NeuronRequest::burned(NetUid(1), "alice", "a"),
    )
    .unwrap();
    assert_eq!(r.payment.tao_recycled, Tao(T));
    assert_eq!(r.payment.tao_to_pool, Tao::ZERO);
    assert_eq!(
        r.burn_after,
        Tao(T),
        "the interval rule does not bump per registration"
    );
    assert_eq!(net.ledger.total_issuance(), Tao(ti0.0 - T));
    assert_eq!(
        net.ledger.recycled().get(RecycleReason::RegistrationBurn),
        Tao(T)
    );
    assert_eq!(free(&net, "alice"), 9 * T);
    check(&net);

    // MaxRegistrationsPerBlock = 1: a second one in the same block is refused.
    let before = snapshot(&net, &reg);
    let err = register_neuron(
        &mut net,
        &mut reg,
        &rules,
        &NeuronRequest::burned(NetUid(1), "alice", "b"),
    );
    assert_eq!(
        err,
        Err(RegistrationRejected::Price(
            RegistrationError::TooManyRegistrationsThisBlock { max: 1 }
        ))
    );
    assert_unchanged(&before, &net, &reg);

    // Next block it goes through; a free PoW registration pays nothing.
    net.block += 1;
    reg.on_block(&net, &rules);
    let pow = NeuronRequest {
        kind: RegistrationKind::Pow,
        ..NeuronRequest::burned(NetUid(1), "alice", "b")
    };
    let r = register_neuron(&mut net, &mut reg, &rules, &pow).unwrap();
    assert_eq!((r.price, r.paid, r.uid), (Tao::ZERO, Tao::ZERO, Uid(1)));
    assert_eq!(free(&net, "alice"), 9 * T);
    check(&net);
}

/// Subnet 1 at block 100,000, owned by coldkey 0 (`owner`) with hotkey 0 at UID 0, and UIDs
/// 1..n registered at `reg_block` with emission 100 + uid (hotkey i owned by coldkey 1, `miner`).
fn full_subnet(n: u16, reg_block: u64) -> (Network, RegistrationState) {
    let mut s = subnet(1, 1_000 * T, 1_000 * T, 0, 10);
    let mut hotkeys = vec![hotkey("owner-hk", 0)];
    s.owner = Some((ColdkeyId(0), HotkeyId(0)));
    s.neurons.push(HotkeyId(0), 10);
    for uid in 1..n {
        hotkeys.push(hotkey(&format!("m{uid}"), 1));
        s.neurons.push(HotkeyId(u32::from(uid)), reg_block);
        s.neurons.emission[usize::from(uid)] = 100 + u64::from(uid);
    }
    let net = network(
        100_000,
        &[("owner", 10 * T), ("miner", 10 * T), ("new", 10 * T)],
        vec![root(T), s],
        hotkeys,
    );
    let rules = Era::Current.rules();
    let mut reg = RegistrationState::new();
    reg.on_block(&net, &rules);
    reg.per_subnet.get_mut(&NetUid(1)).unwrap().max_allowed_uids = n;
    (net, reg)
}

#[test]
fn a_full_subnet_replaces_its_lowest_emission_non_immune_uid() {
    let rules = Era::Current.rules();
    let (mut net, mut reg) = full_subnet(16, 1_000);
    {
        let s = net.subnets.iter_mut().find(|s| s.netuid.0 == 1).unwrap();
        // UID 7 earns least; the owner's UID 0 earns nothing but is immortal.
        s.neurons.emission[7] = 3;
        s.neurons.validator_permit[7] = true;
        s.neurons.weights[7] = vec![(1, 100), (2, 200)];
        s.neurons.bonds[7] = vec![(1, 5)];
        s.neurons.incentive[7] = 9;
        s.neurons.dividends[7] = 9;
        s.neurons.consensus[7] = 9;
        s.neurons.validator_trust[7] = 9;
        s.neurons.weights[3] = vec![(7, 1_000), (8, 2_000)];
        // UID 7's hotkey holds 50 alpha of `miner` stake: it keeps it.
        let mut p = SharePool::new();
        p.stake(&ColdkeyId(1), 50 * T);
        s.pools.insert(HotkeyId(7), p);
        s.alpha_out = Alpha(50 * T);
    }
    check(&net);
    let r = register_neuron(
        &mut net,
        &mut reg,
        &rules,
        &NeuronRequest::burned(NetUid(1), "new", "fresh"),
    )
    .unwrap();
    // 15 non-immune candidates (> MinNonImmuneUids 10): the lowest emission, UID 7.
    assert_eq!(r.uid, Uid(7));
    assert_eq!(r.replaced, Some(HotkeyId(7)));
    assert_eq!(r.hotkey, HotkeyId(16));
    let n = &sub(&net, 1).neurons;
    assert_eq!(n.len(), 16, "replaced in place");
    assert_eq!(n.hotkeys()[7], HotkeyId(16));
    assert_eq!(n.registered_at[7], 100_000);
    assert_eq!(n.last_update[7], 100_000);
    assert_eq!(
        (
            n.emission[7],
            n.incentive[7],
            n.dividends[7],
            n.consensus[7],
            n.validator_trust[7]
        ),
        (0, 0, 0, 0, 0)
    );
    assert!(!n.validator_permit[7]);
    assert!(n.weights[7].is_empty() && n.bonds[7].is_empty());
    assert_eq!(
        n.weights[3],
        vec![(7, 0), (8, 2_000)],
        "weights on the UID are zeroed"
    );
    assert_eq!(
        sub(&net, 1).pools[&HotkeyId(7)].stake_of(&ColdkeyId(1)),
        50 * T
    );
    assert_eq!(net.hotkeys[16].owner, ColdkeyId(2));
    check(&net);

    // Next: UID 7 is now the newest and immune (emission 0); the lowest emission among the 14
    // other non-immune UIDs is UID 1 (101).
    let r = register_neuron(
        &mut net,
        &mut reg,
        &rules,
        &NeuronRequest::burned(NetUid(1), "new", "fresh2"),
    )
    .unwrap();
    assert_eq!(r.uid, Uid(1));
    check(&net);
}

#[test]
fn a_full_subnet_of_immune_uids_replaces_the_best_immune_one() {
    // The chain's current `get_neuron_to_prune` falls back to the best immune UID when too few
    // non-immune ones remain; it only refuses when no candidate is left at all.
    let rules = Era::Current.rules();
    let (mut net, mut reg) = full_subnet(12, 99_000); // 1,000 blocks old: immune (5,000)
    net.subnets[1].neurons.emission[4] = 1;
    let r = register_neuron(
        &mut net,
        &mut reg,
        &rules,
        &NeuronRequest::burned(NetUid(1), "new", "fresh"),
    )
    .unwrap();
    assert_eq!(r.uid, Uid(4));
    check(&net);
}

#[test]
fn rejections_return_the_reason_and_change_nothing() {
    let rules = Era::Current.rules();

    // Too little balance: the price is 1 TAO, the balance 0.5 TAO.
    let (mut net, mut reg) = full_subnet(4, 1_000);
    reg.per_subnet.get_mut(&NetUid(1)).unwrap().max_allowed_uids = 256;
    reg.per_subnet.get_mut(&NetUid(1)).unwrap().neuron.burn = Tao(T);
    net.ledger
        .debit(
            sim_core::ledger::Holder::Account(ColdkeyId(2)),
            Tao(9_500_000_000),
        )
        .unwrap();
    net.ledger
        .credit(sim_core::ledger::Holder::Unmodelled, Tao(9_500_000_000));
    let before = snapshot(&net, &reg);
    let poor = NeuronRequest::burned(NetUid(1), "new", "x");
    assert_eq!(
        register_neuron(&mut net, &mut reg, &rules, &poor),
        Err(RegistrationRejected::Price(
            RegistrationError::NotEnoughBalance {
                price: Tao(T),
                balance: Tao(500_000_000)
            }
        ))
    );
    assert_unchanged(&before, &net, &reg);
    // The price limit of `register_limit`.
    let limited = NeuronRequest {
        limit: Some(Tao(T - 1)),
        ..NeuronRequest::burned(NetUid(1), "miner", "x")
    };
    assert_eq!(
        register_neuron(&mut net, &mut reg, &rules, &limited),
        Err(RegistrationRejected::Price(
            RegistrationError::PriceLimitExceeded {
                price: Tao(T),
                limit: Tao(T - 1)
            }
        ))
    );
    // Unknown subnet, root, unknown coldkey, someone else's hotkey, a hotkey already there,
    // registration disabled.
    let cases: Vec<(NeuronRequest<'_>, RegistrationRejected)> = vec![
        (
            NeuronRequest::burned(NetUid(9), "miner", "x"),
            RegistrationRejected::SubnetNotFound(NetUid(9)),
        ),
        (
            NeuronRequest::burned(NetUid(0), "miner", "x"),
            RegistrationRejected::RootSubnet,
        ),
        (
            NeuronRequest::burned(NetUid(1), "nobody", "x"),
            RegistrationRejected::UnknownColdkey("nobody".into()),
        ),
        (
            NeuronRequest::burned(NetUid(1), "owner", "m1"),
            RegistrationRejected::HotkeyOwnedByOtherColdkey {
                hotkey: "m1".into(),
            },
        ),
        (
            NeuronRequest::burned(NetUid(1), "miner", "m1"),
            RegistrationRejected::HotkeyAlreadyRegistered {
                netuid: NetUid(1),
                hotkey: "m1".into(),
            },
        ),
    ];
    for (request, want) in cases {
        assert_eq!(
            register_neuron(&mut net, &mut reg, &rules, &request),
            Err(want)
        );
        assert_unchanged(&before, &net, &reg);
    }
    net.subnets[1].registration_allowed = false;
    let before = snapshot(&net, &reg);
    assert_eq!(
        register_neuron(
            &mut net,
            &mut reg,
            &rules,
            &NeuronRequest::burned(NetUid(1), "miner", "x")
        ),
        Err(RegistrationRejected::RegistrationDisabled(NetUid(1)))
    );
    assert_unchanged(&before, &net, &reg);

    // Full, every UID old (non-immune) but only 4 candidates ≤ MinNonImmuneUids 10 and none
    // immune: no UID may go.
    let (mut net, mut reg) = full_subnet(5, 1_000);
    let before = snapshot(&net, &reg);
    assert_eq!(
        register_neuron(
            &mut net,
            &mut reg,
            &rules,
            &NeuronRequest::burned(NetUid(1), "new", "x")
        ),
        Err(RegistrationRejected::NoUidAvailable(NetUid(1)))
    );
    assert_unchanged(&before, &net, &reg);
    // Full with the owner's immortal UID only.
    let (mut net, mut reg) = full_subnet(1, 1_000);
    let before = snapshot(&net, &reg);
    assert_eq!(
        register_neuron(
            &mut net,
            &mut reg,
            &rules,
            &NeuronRequest::burned(NetUid(1), "new", "x")
        ),
        Err(RegistrationRejected::NoUidAvailable(NetUid(1)))
    );
    assert_unchanged(&before, &net, &reg);

    // The pool refuses the swap (alpha reserve below 1,000,000 rao): rejected, nothing paid.
    let (mut net, mut reg) = full_subnet(4, 1_000);
    reg.per_subnet.get_mut(&NetUid(1)).unwrap().max_allowed_uids = 256;
    net.subnets[1].pool.alpha_reserve = Alpha(999_999);
    let before = snapshot(&net, &reg);
    assert!(matches!(
        register_neuron(
            &mut net,
            &mut reg,
            &rules,
            &NeuronRequest::burned(NetUid(1), "new", "x")
        ),
        Err(RegistrationRejected::SwapRefused(_))
    ));
    assert_unchanged(&before, &net, &reg);

    // Dissolving root or a missing subnet, starting someone else's subnet.
    let params = Params::default();
    assert_eq!(
        dissolve_subnet(&mut net, &mut reg, &rules, &params, NetUid(0)).unwrap_err(),
        RegistrationRejected::RootSubnet
    );
    assert_eq!(
        dissolve_subnet(&mut net, &mut reg, &rules, &params, NetUid(5)).unwrap_err(),
        RegistrationRejected::SubnetNotFound(NetUid(5))
    );
    net.subnets[1].first_emission_block = None;
    let before = snapshot(&net, &reg);
    assert_eq!(
        start_call(&mut net, &reg, &rules, NetUid(1), "miner"),
        Err(RegistrationRejected::NotSubnetOwner {
            netuid: NetUid(1),
            coldkey: "miner".into()
        })
    );
    assert_unchanged(&before, &net, &reg);
}

/// Root plus 128 subnets at block 1,000,000: every pool 500 TAO : 1000 alpha (price 0.5) with
/// moving price 0.4, registered at block 1,000, except
/// * netuid 3: moving price 0.001 but registered at 999,000 (immune for 864,000 blocks);
/// * netuid 57: moving price 0.01, pool 100 TAO : 1000 alpha, 1 TAO account surplus, and
///   600 alpha outstanding: `alice` 200 and `bob` 100 on hotkey `v`, 200 unmodelled, 100
///   protocol alpha.
fn full_network() -> Network {
    let mut subnets = vec![root(1_000 * T)];
    for netuid in 1..=128u16 {
        let mut s = subnet(netuid, 500 * T, 1_000 * T, 0, 1_000);
        s.moving_price = I96F32::from_num(0.4);
        if netuid == 3 {
            s.moving_price = I96F32::from_num(0.001);
            s.registered_at = 999_000;
        }
        if netuid == 57 {
            s.moving_price = I96F32::from_num(0.01);
            s.pool = pool(100 * T, 1_000 * T);
            s.account_surplus = Tao(T);
            let mut p = SharePool::new();
            p.stake(&ColdkeyId(0), 200 * T);
            p.stake(&ColdkeyId(1), 100 * T);
            s.pools.insert(HotkeyId(0), p);
            s.alpha_staked = Alpha(200 * T);
            s.protocol_alpha = Alpha(100 * T);
            s.alpha_out = Alpha(600 * T);
            s.owner = Some((ColdkeyId(3), HotkeyId(1)));
            s.neurons.push(HotkeyId(1), 1_000);
            s.neurons.push(HotkeyId(0), 1_000);
        }
        subnets.push(s);
    }
    network(
        1_000_000,
        &[
            ("alice", 10 * T),
            ("bob", 10 * T),
            ("founder", 5_000 * T),
            ("old-owner", T),
        ],
        subnets,
        vec![hotkey("v", 0), hotkey("old-owner-hk", 3)],
    )
}

#[test]
fn the_129th_subnet_dissolves_the_cheapest_non_immune_subnet_and_pays_its_stakers() {
    let rules = Era::Current.rules();
    let params = Params::default();
    let mut net = full_network();
    let mut reg = RegistrationState::new();
    reg.on_block(&net, &rules);
    check(&net);
    let ti0 = net.ledger.total_issuance().0;
    let unmodelled0 = net.ledger.unmodelled().0;

    let r = register_subnet(
        &mut net,
        &mut reg,
        &rules,
        &params,
        "founder",
        "founder-hk",
        360,
    )
    .unwrap();
    check(&net);

    // Netuid 3 is cheaper but immune: netuid 57 goes, and its netuid is reused.
    let d = r.dissolved.as_ref().expect("a subnet was dissolved");
    assert_eq!((d.netuid, r.netuid), (NetUid(57), NetUid(57)));
    // Pot 100 TAO over 1600 alpha of value (300 on `v`, 200 unmodelled, 1000 pool alpha + 100
    // protocol alpha for a subnet registered after TaoInRefundDeploymentBlock = 0):
    // alice 200/1600 = 12.5 TAO, bob 6.25, unmodelled 12.5, protocol 68.75.
    assert_eq!(d.pot, Tao(100 * T));
    assert_eq!(d.tao_held, Tao(101 * T));
    assert_eq!(
        d.paid,
        vec![
            (ColdkeyId(0), Tao(12_500_000_000)),
            (ColdkeyId(1), Tao(6_250_000_000))
        ]
    );
    assert_eq!(d.paid_to_unmodelled, Tao(12_500_000_000));
    assert_eq!(d.protocol_share, Tao(68_750_000_000));
    assert_eq!(d.owner_refund, Tao::ZERO);
    // The account (101 − 31.25 TAO) is recycled down to the 500-rao existential deposit.
    assert_eq!(d.recycled, Tao(69_749_999_500));
    assert_eq!(d.left_in_subnet_account, Tao(500));
    assert_eq!(d.alpha_destroyed, Alpha(1_600 * T));
    assert_eq!(free(&net, "alice"), 10 * T + 12_500_000_000);
    assert_eq!(free(&net, "bob"), 10 * T + 6_250_000_000);
    assert_eq!(
        net.ledger.recycled().get(RecycleReason::Dissolution),
        Tao(69_749_999_500)
    );
    assert_eq!(
        net.ledger.unmodelled().0,
        unmodelled0 + 12_500_000_000 + 500
    );
    assert_eq!(net.ledger.total_issuance().0, ti0 - 69_749_999_500);

    // The new subnet: lock = NetworkMinLockCost 1000 TAO (first registration), all of it in a
    // pool at the median price of the 127 others (0.5): 2000 alpha.
    assert_eq!(r.lock_cost, Tao(1_000 * T));
    assert_eq!(r.actual_lock, Tao(1_000 * T));
    assert_eq!(r.median_price, U64F64::from_num(0.5));
    assert_eq!(
        (r.pool_tao, r.pool_alpha, r.recycled),
        (Tao(1_000 * T), Alpha(2_000 * T), Tao::ZERO)
    );
    assert_eq!(free(&net, "founder"), 4_000 * T);
    let s = sub(&net, 57);
    assert_eq!(s.pool.tao_reserve, Tao(1_000 * T));
    assert_eq!(s.pool.current_price(), U64F64::from_num(0.5));
    assert_eq!(s.alpha_out, Alpha::ZERO);
    assert_eq!(s.registered_at, 1_000_000);
    assert_eq!(s.owner, Some((ColdkeyId(2), r.owner_hotkey)));
    assert_eq!(
        s.neurons.hotkeys(),
        vec![r.owner_hotkey],
        "owner hotkey at UID 0"
    );
    assert!(s.pools.is_empty());
    assert_eq!(
        s.first_emission_block, None,
        "no emission before the start call"
    );
    assert!(
        !s.emission_enabled,
        "TAO emission starts disabled (2026-06)"
    );
    assert_eq!(net.subnets.len(), 129);
    assert!(net.subnets.windows(2).all(|w| w[0].netuid < w[1].netuid));
    assert_eq!(net.hotkeys[r.owner_hotkey.0 as usize].name, "founder-hk");
    assert_eq!(
        reg.network_lock,
        NetworkLock {
            last_lock: Tao(1_000 * T),
            last_lock_block: 1_000_000
        }
    );
    assert_eq!(reg.per_subnet[&NetUid(57)].subnet_locked, Tao(1_000 * T));
    assert_eq!(reg.per_subnet[&NetUid(57)].neuron.burn, Tao(T));

    // The next registration within NetworkRateLimit (28,800 blocks) is refused.
    net.block += 1;
    let before = snapshot(&net, &reg);
    assert_eq!(
        register_subnet(
            &mut net,
            &mut reg,
            &rules,
            &params,
            "founder",
            "founder-hk2",
            360
        ),
        Err(RegistrationRejected::Network(
            RegisterNetworkError::RateLimited {
                next_allowed: 1_028_800
            }
        ))
    );
    assert_unchanged(&before, &net, &reg);

    // After it, the lock has doubled less the decay: 2 · 1000 − floor(1000e9 / 57,600) · 28,800
    // (issuance below the first halving: interval 57,600) = 1,500,000,003,200 rao; it is more
    // than `bob` holds.
    net.block = 1_028_800;
    assert_eq!(reg.lock_cost(&net, &params), Tao(1_500_000_003_200));
    let before = snapshot(&net, &reg);
    assert_eq!(
        register_subnet(&mut net, &mut reg, &rules, &params, "bob", "bob-hk", 360),
        Err(RegistrationRejected::Network(
            RegisterNetworkError::CannotAffordLockCost {
                lock: Tao(1_500_000_003_200),
                balance: Tao(16_250_000_000)
            }
        ))
    );
    assert_unchanged(&before, &net, &reg);

    // With every subnet immune, nothing can be pruned at the limit.
    reg.network_immunity_period = 10_000_000;
    let before = snapshot(&net, &reg);
    assert_eq!(
        register_subnet(
            &mut net,
            &mut reg,
            &rules,
            &params,
            "founder",
            "founder-hk2",
            360
        ),
        Err(RegistrationRejected::Network(
            RegisterNetworkError::SubnetLimitReached
        ))
    );
    assert_unchanged(&before, &net, &reg);
}

#[test]
fn the_launch_lock_seeds_a_one_to_one_pool_and_recycles_the_rest_then_the_start_call() {
    let rules = Era::TaoFlow.rules();
    let params = Params {
        network_min_lock: T,
        ..Params::default()
    };
    let b = 5_000_000;
    let subnets = vec![
        root(1_000 * T),
        subnet(1, 10 * T, 10 * T, 0, 10),
        subnet(2, 10 * T, 10 * T, 0, 10),
        subnet(4, 10 * T, 10 * T, 0, 10),
    ];
    let mut net = network(b, &[("founder", 1_000 * T), ("other", T)], subnets, vec![]);
    let mut reg = RegistrationState::new();
    reg.network_lock = NetworkLock {
        last_lock: Tao(100 * T),
        last_lock_block: b - 28_800,
    };
    let ti0 = net.ledger.total_issuance().0;
    assert!(
        ti0 < 10_500_000 * T,
        "below the first halving: interval 57,600"
    );

    let r = register_subnet(&mut net, &mut reg, &rules, &params, "founder", "f-hk", 360).unwrap();
    check(&net);
    // 2 · 100 TAO − floor(100e9 / 57,600) · 28,800 = 200e9 − 1,736,111 · 28,800.
    assert_eq!(r.lock_cost, Tao(150_000_003_200));
    assert_eq!(r.netuid, NetUid(3), "the lowest free netuid");
    assert_eq!(r.dissolved, None);
    assert_eq!((r.pool_tao, r.pool_alpha), (Tao(T), Alpha(T)));
    assert_eq!(r.recycled, Tao(149_000_003_200));
    assert_eq!(
        net.ledger.recycled().get(RecycleReason::SubnetLock),
        Tao(149_000_003_200)
    );
    assert_eq!(net.ledger.total_issuance().0, ti0 - 149_000_003_200);
    assert_eq!(free(&net, "founder"), 1_000 * T - 150_000_003_200);
    assert_eq!(
        net.subnets.iter().map(|s| s.netuid.0).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
    let s = sub(&net, 3);
    assert_eq!(
        s.locked,
        Tao::ZERO,
        "the lock is in the pool or recycled, not held"
    );
    assert!(s.emission_enabled);
    assert_eq!(
        reg.per_subnet[&NetUid(3)].subnet_locked,
        Tao(150_000_003_200)
    );
    assert_eq!(
        reg.per_subnet[&NetUid(3)].neuron.burn,
        Tao(100_000_000),
        "0.1 TAO from 2025-06"
    );

    // Start call: the owner only, after DurationOfStartCall (50,400 blocks), once.
    let before = snapshot(&net, &reg);
    assert_eq!(
        start_call(&mut net, &reg, &rules, NetUid(3), "founder"),
        Err(RegistrationRejected::StartCallTooEarly {
            netuid: NetUid(3),
            allowed_at: b + LEGACY_START_CALL_DELAY
        })
    );
    assert_unchanged(&before, &net, &reg);
    net.block = b + LEGACY_START_CALL_DELAY;
    assert_eq!(
        start_call(&mut net, &reg, &rules, NetUid(3), "founder"),
        Ok(b + 50_401)
    );
    let s = sub(&net, 3);
    assert_eq!(s.first_emission_block, Some(b + 50_401));
    assert!(s.subtoken_enabled);
    assert_eq!(
        start_call(&mut net, &reg, &rules, NetUid(3), "founder"),
        Err(RegistrationRejected::AlreadyStarted(NetUid(3)))
    );
    check(&net);
}

#[test]
fn before_dtao_the_lock_is_held_and_refunded_on_dissolution() {
    let rules = Era::PreDtao.rules();
    let params = Params::default();
    let mut net = network(
        3_000_000,
        &[("founder", 2_000 * T)],
        vec![root(1_000 * T)],
        vec![],
    );
    let mut reg = RegistrationState::new();
    let ti0 = net.ledger.total_issuance();
    let r = register_subnet(&mut net, &mut reg, &rules, &params, "founder", "f-hk", 360).unwrap();
    check(&net);
    assert_eq!(
        (r.netuid, r.held_as_lock, r.pool_tao),
        (NetUid(1), Tao(1_000 * T), Tao::ZERO)
    );
    let s = sub(&net, 1);
    assert_eq!(s.locked, Tao(1_000 * T));
    assert_eq!(
        s.first_emission_block,
        Some(3_000_001),
        "no start call before 2025-03-28"
    );
    assert_eq!(free(&net, "founder"), 1_000 * T);
    assert_eq!(net.ledger.total_issuance(), ti0);

    let d = dissolve_subnet(&mut net, &mut reg, &rules, &params, NetUid(1)).unwrap();
    check(&net);
    assert_eq!(d.owner_refund, Tao(1_000 * T));
    assert_eq!(
        (d.recycled, d.left_in_subnet_account),
        (Tao::ZERO, Tao::ZERO)
    );
    assert_eq!(free(&net, "founder"), 2_000 * T);
    assert_eq!(net.ledger.total_issuance(), ti0);
    assert_eq!(net.subnets.len(), 1);
    assert!(reg.per_subnet.is_empty());
}

#[test]
fn a_legacy_subnet_refunds_its_owner_from_what_the_account_has_left() {
    // Registered before NetworkRegistrationStartBlock, lock 300 TAO recorded, owner cut 0 (so
    // the owner's emission is worth 0): refund = min(300, balance after the payouts − protocol
    // share). Registered before TaoInRefundDeploymentBlock: the pool's alpha is not counted.
    let rules = Era::Current.rules();
    let params = Params {
        subnet_owner_cut: 0,
        ..Params::default()
    };
    let mut s = subnet(1, 100 * T, 100 * T, 100 * T, 1_000);
    s.account_surplus = Tao(50 * T);
    s.owner = Some((ColdkeyId(0), HotkeyId(0)));
    let mut net = network(
        2_000_000,
        &[("owner", T)],
        vec![root(T), s],
        vec![hotkey("o", 0)],
    );
    let mut reg = RegistrationState {
        network_registration_start_block: 1_500_000,
        tao_in_refund_deployment_block: 1_500_000,
        ..RegistrationState::new()
    };
    let mut state = SubnetRegistration::new_subnet(&rules);
    state.subnet_locked = Tao(300 * T);
    reg.per_subnet.insert(NetUid(1), state);
    let ti0 = net.ledger.total_issuance().0;
    let u0 = net.ledger.unmodelled().0;

    let d = dissolve_subnet(&mut net, &mut reg, &rules, &params, NetUid(1)).unwrap();
    check(&net);
    // The whole pot to the unmodelled stakers (only holders); 50 TAO left for the refund.
    assert_eq!(d.paid_to_unmodelled, Tao(100 * T));
    assert_eq!(d.protocol_share, Tao::ZERO);
    assert_eq!(d.owner_refund, Tao(50 * T));
    assert_eq!(
        (d.recycled, d.left_in_subnet_account),
        (Tao::ZERO, Tao::ZERO)
    );
    assert_eq!(free(&net, "owner"), 51 * T);
    assert_eq!(net.ledger.unmodelled().0, u0 + 100 * T);
    assert_eq!(net.ledger.total_issuance().0, ti0);
}

#[test]
fn older_pools_take_the_burn_the_era_way() {
    // 2025-06 (Uniswap-v3 era modelled as constant product, fees compounded into the pool):
    // the whole burn ends up in the pool's TAO reserve, nothing in the subnet account.
    let rules = Era::SwapV3.rules();
    let mut net = network(
        4_000_000,
        &[("alice", 10 * T)],
        vec![root(T), subnet(1, 1_000 * T, 1_000 * T, 0, 10)],
        vec![],
    );
    let mut reg = RegistrationState::new();
    let mut state = SubnetRegistration::new_subnet(&rules);
    state.neuron.burn = Tao(T);
    state.neuron.interval.last_adjustment_block = net.block;
    reg.per_subnet.insert(NetUid(1), state);
    let r = register_neuron(
        &mut net,
        &mut reg,
        &rules,
        &NeuronRequest::burned(NetUid(1), "alice", "a"),
    )
    .unwrap();
    assert_eq!(r.payment.fee, Tao(503_547));
    assert_eq!(r.payment.tao_to_subnet_account, Tao::ZERO);
    let s = sub(&net, 1);
    assert_eq!(s.pool.tao_reserve, Tao(1_001 * T));
    assert_eq!(s.account_surplus, Tao::ZERO);
    assert_eq!(
        s.pool.alpha_reserve.0,
        1_000 * T - r.payment.alpha_recycled.0
    );
    assert_eq!(s.flow.user_flow, 0, "not counted as flow before 2026-04");
    check(&net);

    // 2025-02 (launch curve, I110F18 x·y = k, no fee in the registration path):
    // out = 1000e9 − 1e24 / 1001e9 = 999,000,999 rao (floored).
    let rules = Era::DtaoLaunch.rules();
    let mut net = network(
        4_000_000,
        &[("alice", 10 * T)],
        vec![root(T), subnet(1, 1_000 * T, 1_000 * T, 0, 10)],
        vec![],
    );
    let mut reg = RegistrationState::new();
    let mut state = SubnetRegistration::new_subnet(&rules);
    state.neuron.burn = Tao(T);
    state.neuron.interval.last_adjustment_block = net.block;
    reg.per_subnet.insert(NetUid(1), state);
    let r = register_neuron(
        &mut net,
        &mut reg,
        &rules,
        &NeuronRequest::burned(NetUid(1), "alice", "a"),
    )
    .unwrap();
    assert_eq!(r.payment.fee, Tao::ZERO);
    assert_eq!(r.payment.tao_to_pool, Tao(T));
    assert_eq!(r.payment.alpha_recycled, Alpha(999_000_999));
    assert_eq!(sub(&net, 1).pool.alpha_reserve.0, 1_000 * T - 999_000_999);
    check(&net);
}
