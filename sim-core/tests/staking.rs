//! The staking extrinsics on the network (`sim_core::stake::ops`): fees per era, minimums,
//! limit orders, moves, unstake-all, root staking, and after every operation TAO conservation
//! (issuance = free balances + unmodelled + subnet TAO) and each subnet's alpha accounting.
//! A refused operation leaves the network exactly as it was.

use proptest::prelude::*;
use sim_core::amm::{Pool, QuoteWeight, SwapError, LAUNCH_STAKING_FEE};
use sim_core::ledger::{Ledger, RecycleReason};
use sim_core::network::Network;
use sim_core::neurons::{Hotkey, HotkeyId};
use sim_core::params::Params;
use sim_core::rules::{Amm, Era, FeeDestination, Rules};
use sim_core::stake::ops::{
    add_stake, add_stake_limit, move_stake, remove_stake, remove_stake_limit, unstake_all, FeeSink,
    Receipt, RootClaimedBook, RootDelta, StakeError,
};
use sim_core::subnet::{Mechanism, Subnet};
use sim_core::{Alpha, ColdkeyId, NetUid, Tao, RAO_PER_TAO};
use substrate_fixed::types::I96F32;

const TAO: u64 = RAO_PER_TAO;
const ROOT_STAKE: u64 = 1_000_000 * TAO;
const ISSUANCE: u64 = 10_000_000 * TAO;
const START_BALANCE: u64 = 10_000 * TAO;

const ALICE: ColdkeyId = ColdkeyId(0);
const BOB: ColdkeyId = ColdkeyId(1);
const V1: HotkeyId = HotkeyId(0);
const V2: HotkeyId = HotkeyId(1);
const ROOT: NetUid = NetUid(0);
const SN1: NetUid = NetUid(1);
const SN2: NetUid = NetUid(2);

/// Root holding 1M TAO of unmodelled stake; subnet 1 at 1,000 TAO : 10,000 alpha (price 0.1);
/// subnet 2 at 500 TAO : 250 alpha (price 2). Alice owns hotkey v1, Bob owns v2.
fn network() -> Network {
    let mut root = Subnet::new(
        ROOT,
        Pool::new(Tao(ROOT_STAKE), Alpha::ZERO, QuoteWeight::HALF),
        100,
        0,
    );
    root.mechanism = Mechanism::Stable;
    let dynamic = |netuid, tao: u64, alpha: u64| {
        let mut s = Subnet::new(
            netuid,
            Pool::new(Tao(tao * TAO), Alpha(alpha * TAO), QuoteWeight::HALF),
            360,
            0,
        );
        // Outstanding alpha held by unmodelled stakers.
        s.alpha_out = Alpha(alpha * TAO / 2);
        s.alpha_staked = s.alpha_out;
        s
    };
    let subnets = vec![root, dynamic(SN1, 1_000, 10_000), dynamic(SN2, 500, 250)];
    let in_pools = subnets.iter().map(|s| s.tao_held()).sum::<u64>();
    let ledger = Ledger::new(
        Tao(ISSUANCE),
        &[
            ("alice".into(), Tao(START_BALANCE)),
            ("bob".into(), Tao(START_BALANCE)),
        ],
        Tao(in_pools),
    )
    .unwrap();
    let hotkey = |name: &str, owner| Hotkey {
        name: name.into(),
        owner,
        delegate_take: 11_796,
    };
    Network {
        block: 1,
        ledger,
        block_emission: Tao::ZERO,
        subnets,
        hotkeys: vec![hotkey("v1", ALICE), hotkey("v2", BOB)],
    }
}

fn subnet(net: &Network, netuid: NetUid) -> &Subnet {
    net.subnets.iter().find(|s| s.netuid == netuid).unwrap()
}

fn stake(net: &Network, hotkey: HotkeyId, coldkey: ColdkeyId, netuid: NetUid) -> u64 {
    subnet(net, netuid)
        .pools
        .get(&hotkey)
        .map_or(0, |p| p.stake_of(&coldkey))
}

fn free(net: &Network, coldkey: ColdkeyId) -> u64 {
    net.ledger.free_balance(coldkey).0
}

/// TAO conservation and every subnet's alpha accounting.
fn assert_invariants(net: &Network) {
    let held = net.ledger.free_total().0
        + net.ledger.unmodelled().0
        + net.subnets.iter().map(|s| s.tao_held()).sum::<u64>();
    assert_eq!(net.ledger.total_issuance().0, held, "TAO conservation");
    for s in &net.subnets {
        assert_eq!(
            s.alpha_accounting_gap(),
            None,
            "alpha accounting on {}",
            s.netuid
        );
    }
}

/// The whole state, for "nothing changed" comparisons (`Network` is `Clone`, not `PartialEq`).
fn snapshot(net: &Network) -> String {
    format!("{net:?}")
}

/// Runs an operation that must fail and checks that it changed nothing.
fn refused(
    net: &mut Network,
    op: impl FnOnce(&mut Network) -> Result<Receipt, StakeError>,
) -> StakeError {
    let before = snapshot(net);
    let err = op(net).expect_err("the operation should be refused");
    assert_eq!(
        snapshot(net),
        before,
        "a refused operation changed the network ({err})"
    );
    err
}

/// The eras with distinct staking behaviour.
fn eras() -> Vec<(&'static str, Rules)> {
    let mut balancer_recycled = Era::Current.rules();
    balancer_recycled.fee_destination = FeeDestination::Recycled;
    vec![
        ("launch", Era::DtaoLaunch.rules()),
        ("v3 compounded", Era::SwapV3.rules()),
        ("v3 to author", Era::FeesToAuthor.rules()),
        ("balancer to author", Era::Current.rules()),
        ("balancer recycled", balancer_recycled),
    ]
}

#[test]
fn era_presets_have_the_expected_curves() {
    assert_eq!(Era::DtaoLaunch.rules().amm, Amm::ConstantProductFlatFee);
    assert_eq!(Era::SwapV3.rules().amm, Amm::ConstantProductFeeRate);
    assert_eq!(
        Era::SwapV3.rules().fee_destination,
        FeeDestination::Recycled
    );
    assert_eq!(
        Era::FeesToAuthor.rules().fee_destination,
        FeeDestination::BlockAuthor
    );
}

#[test]
fn stake_then_unstake_returns_at_most_what_was_put_in() {
    let params = Params::default();
    for (name, rules) in eras() {
        for netuid in [SN1, SN2, ROOT] {
            for amount in [3_000_000, 7 * TAO, 400 * TAO] {
                let mut net = network();
                let r = add_stake(
                    &mut net,
                    &rules,
                    &params,
                    ALICE,
                    V1,
                    netuid,
                    Tao(amount),
                    None,
                )
                .unwrap_or_else(|e| panic!("{name} {netuid} {amount}: {e}"));
                assert_eq!(r.tao_paid, Tao(amount));
                assert_invariants(&net);
                let alpha = stake(&net, V1, ALICE, netuid);
                assert_eq!(Alpha(alpha), r.alpha_staked, "{name}");
                let r = remove_stake(
                    &mut net,
                    &rules,
                    &params,
                    ALICE,
                    V1,
                    netuid,
                    Alpha(alpha),
                    None,
                )
                .unwrap_or_else(|e| panic!("{name} {netuid} {amount}: {e}"));
                assert_invariants(&net);
                assert_eq!(stake(&net, V1, ALICE, netuid), 0);
                assert!(
                    r.tao_received.0 <= amount,
                    "{name} {netuid}: {} > {amount}",
                    r.tao_received
                );
                assert!(free(&net, ALICE) <= START_BALANCE);
                if rules.amm != Amm::ConstantProductFlatFee {
                    if netuid == ROOT {
                        assert_eq!(
                            r.tao_received.0, amount,
                            "{name}: root is 1:1 without a fee"
                        );
                    } else {
                        assert!(r.tao_received.0 < amount, "{name}: fees were charged");
                    }
                }
            }
        }
    }
}

#[test]
fn launch_flat_fee_stays_in_the_pool() {
    let rules = Era::DtaoLaunch.rules();
    let params = Params::default();
    let mut net = network();
    let before = subnet(&net, SN1).pool;
    let amount = 10 * TAO;
    let r = add_stake(&mut net, &rules, &params, ALICE, V1, SN1, Tao(amount), None).unwrap();
    assert_eq!(r.fee_tao, LAUNCH_STAKING_FEE);
    assert_eq!(r.fee_sink, FeeSink::Pool);
    let after = subnet(&net, SN1).pool;
    assert_eq!(
        after.tao_reserve.0,
        before.tao_reserve.0 + amount,
        "the whole amount, fee included"
    );
    // x*y = k on the amount net of the fee.
    let k = u128::from(before.tao_reserve.0) * u128::from(before.alpha_reserve.0);
    let expected_in = (k / u128::from(before.tao_reserve.0 + amount - LAUNCH_STAKING_FEE.0)) as u64;
    assert!(after.alpha_reserve.0.abs_diff(expected_in) <= 1);
    // Unstake: the fee comes off the TAO paid out and stays in SubnetTAO.
    let alpha = stake(&net, V1, ALICE, SN1);
    let mid = subnet(&net, SN1).pool;
    let r = remove_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        V1,
        SN1,
        Alpha(alpha),
        None,
    )
    .unwrap();
    let end = subnet(&net, SN1).pool;
    assert_eq!(mid.tao_reserve.0 - end.tao_reserve.0, r.tao_received.0);
    assert_eq!(r.fee_tao, LAUNCH_STAKING_FEE);
    assert_eq!(net.ledger.recycled().total(), Tao::ZERO);
    assert_invariants(&net);
    // Root staking at launch also paid the flat fee, kept in SubnetTAO[0].
    let r = add_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        V1,
        ROOT,
        Tao(amount),
        None,
    )
    .unwrap();
    assert_eq!(r.alpha_staked.0, amount - LAUNCH_STAKING_FEE.0);
    assert_eq!(subnet(&net, ROOT).pool.tao_reserve.0, ROOT_STAKE + amount);
    assert_invariants(&net);
}

#[test]
fn balancer_fee_leaves_the_pool_to_the_author() {
    let rules = Era::Current.rules();
    let params = Params::default();
    let mut net = network();
    let before_pool = subnet(&net, SN1).pool;
    let before_rest = net.ledger.unmodelled();
    let amount = 100 * TAO;
    let r = add_stake(&mut net, &rules, &params, ALICE, V1, SN1, Tao(amount), None).unwrap();
    assert_eq!(r.fee_sink, FeeSink::BlockAuthor);
    let fee = amount * 33 / 65_535;
    assert_eq!(r.fee_tao, Tao(fee));
    assert_eq!(
        subnet(&net, SN1).pool.tao_reserve.0,
        before_pool.tao_reserve.0 + amount - fee
    );
    assert_eq!(
        net.ledger.unmodelled().0,
        before_rest.0 + fee,
        "the author holds the fee"
    );
    assert_eq!(net.ledger.total_issuance().0, ISSUANCE);
    assert_eq!(
        subnet(&net, SN1).flow.user_flow,
        (amount - fee) as i64,
        "inflow = amount paid in"
    );
    assert_invariants(&net);
    // The sell's alpha fee is sold fee-less for TAO that goes to the author too.
    let alpha = stake(&net, V1, ALICE, SN1);
    let rest = net.ledger.unmodelled();
    let r = remove_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        V1,
        SN1,
        Alpha(alpha),
        None,
    )
    .unwrap();
    assert_eq!(r.fee_alpha.0, alpha * 33 / 65_535);
    assert!(r.fee_tao.0 > 0);
    assert_eq!(net.ledger.unmodelled().0, rest.0 + r.fee_tao.0);
    assert_eq!(
        subnet(&net, SN1).flow.user_flow,
        (amount - fee) as i64 - (r.tao_received.0 + r.fee_tao.0) as i64,
        "outflow = paid out + author fee"
    );
    assert_invariants(&net);
}

#[test]
fn recycled_fees_leave_issuance() {
    let mut rules = Era::Current.rules();
    rules.fee_destination = FeeDestination::Recycled;
    let params = Params::default();
    let mut net = network();
    let amount = 100 * TAO;
    let r = add_stake(&mut net, &rules, &params, ALICE, V1, SN1, Tao(amount), None).unwrap();
    assert_eq!(r.fee_sink, FeeSink::Recycled);
    assert_eq!(net.ledger.recycled().get(RecycleReason::Fees), r.fee_tao);
    assert_eq!(net.ledger.total_issuance().0, ISSUANCE - r.fee_tao.0);
    assert_invariants(&net);
}

#[test]
fn v3_fee_is_compounded_into_the_pool() {
    let rules = Era::SwapV3.rules();
    let params = Params::default();
    let mut net = network();
    let before = subnet(&net, SN1).pool;
    let rest = net.ledger.unmodelled();
    let amount = 100 * TAO;
    let r = add_stake(&mut net, &rules, &params, ALICE, V1, SN1, Tao(amount), None).unwrap();
    assert_eq!(r.fee_sink, FeeSink::Pool);
    assert!(r.fee_tao.0 > 0);
    assert_eq!(
        subnet(&net, SN1).pool.tao_reserve.0,
        before.tao_reserve.0 + amount
    );
    assert_eq!(net.ledger.unmodelled(), rest, "no author in this era");
    // A sell's alpha fee goes back into the alpha reserve: issuance of alpha is unchanged.
    let alpha = stake(&net, V1, ALICE, SN1);
    let issuance = subnet(&net, SN1).alpha_issuance();
    let r = remove_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        V1,
        SN1,
        Alpha(alpha),
        None,
    )
    .unwrap();
    assert!(r.fee_alpha.0 > 0);
    assert_eq!(r.fee_tao, Tao::ZERO);
    assert_eq!(subnet(&net, SN1).alpha_issuance(), issuance);
    assert_eq!(net.ledger.total_issuance().0, ISSUANCE);
    assert_invariants(&net);
}

#[test]
fn root_staking_is_one_to_one_and_reports_root_changes() {
    let rules = Era::Current.rules();
    let params = Params::default();
    let mut net = network();
    // v1 has earned root dividends on subnet 1 at 0.25 alpha per root TAO.
    net.subnets[1]
        .root_claimable
        .insert(V1, I96F32::from_num(0.25));
    let mut book = RootClaimedBook::default();
    let r = add_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        V1,
        ROOT,
        Tao(40 * TAO),
        None,
    )
    .unwrap();
    assert_eq!(r.alpha_staked, Alpha(40 * TAO));
    assert_eq!(r.fee_tao, Tao::ZERO);
    assert_eq!(subnet(&net, ROOT).pool.tao_reserve.0, ROOT_STAKE + 40 * TAO);
    let change = r.root_changes[0].unwrap();
    assert_eq!(
        (change.hotkey, change.coldkey, change.delta),
        (V1, ALICE, RootDelta::Added(40 * TAO))
    );
    book.apply(&net, &r);
    assert_eq!(
        book.watermarks(V1, ALICE).unwrap()[&SN1],
        u128::from(10 * TAO),
        "no past dividends"
    );
    let r = remove_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        V1,
        ROOT,
        Alpha(8 * TAO),
        None,
    )
    .unwrap();
    assert_eq!(r.tao_received, Tao(8 * TAO));
    book.apply(&net, &r);
    assert_eq!(
        book.watermarks(V1, ALICE).unwrap()[&SN1],
        u128::from(8 * TAO)
    );
    assert_invariants(&net);
}

#[test]
fn minimum_stake_is_enforced_as_the_chain_checks_it() {
    let params = Params::default();
    let min = params.default_min_stake;
    // HEAD: amount >= DefaultMinStake + fee(DefaultMinStake).
    let rules = Era::Current.rules();
    let mut net = network();
    let fee_on_min = min * 33 / 65_535;
    let err = refused(&mut net, |n| {
        add_stake(
            n,
            &rules,
            &params,
            ALICE,
            V1,
            SN1,
            Tao(min + fee_on_min - 1),
            None,
        )
    });
    assert_eq!(
        err,
        StakeError::AmountTooLow {
            amount: min + fee_on_min - 1,
            minimum: min + fee_on_min
        }
    );
    add_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        V1,
        SN1,
        Tao(min + fee_on_min),
        None,
    )
    .unwrap();
    // Root has no fee: the minimum is exactly DefaultMinStake.
    refused(&mut net, |n| {
        add_stake(n, &rules, &params, ALICE, V1, ROOT, Tao(min - 1), None)
    });
    add_stake(&mut net, &rules, &params, ALICE, V1, ROOT, Tao(min), None).unwrap();
    // A partial unstake must be worth DefaultMinStake; removing everything is always allowed.
    add_stake(&mut net, &rules, &params, ALICE, V1, SN1, Tao(TAO), None).unwrap();
    let err = refused(&mut net, |n| {
        remove_stake(n, &rules, &params, ALICE, V1, SN1, Alpha(1_000), None)
    });
    assert!(matches!(err, StakeError::AmountTooLow { .. }), "{err}");
    let all = stake(&net, V1, ALICE, SN1);
    remove_stake(&mut net, &rules, &params, ALICE, V1, SN1, Alpha(all), None).unwrap();
    assert_eq!(stake(&net, V1, ALICE, SN1), 0);
    assert_invariants(&net);

    // Launch: amount >= DefaultMinStake + 50,000, and an unstake must fetch more than the minimum.
    let rules = Era::DtaoLaunch.rules();
    let mut net = network();
    let floor = min + LAUNCH_STAKING_FEE.0;
    refused(&mut net, |n| {
        add_stake(n, &rules, &params, ALICE, V1, SN1, Tao(floor - 1), None)
    });
    add_stake(&mut net, &rules, &params, ALICE, V1, SN1, Tao(floor), None).unwrap();
    let all = stake(&net, V1, ALICE, SN1);
    let err = refused(&mut net, |n| {
        remove_stake(n, &rules, &params, ALICE, V1, SN1, Alpha(all), None)
    });
    assert!(matches!(err, StakeError::AmountTooLow { .. }), "{err}");
    assert_invariants(&net);
}

#[test]
fn refused_operations_change_nothing() {
    let params = Params::default();
    for (name, rules) in eras() {
        let mut net = network();
        add_stake(
            &mut net,
            &rules,
            &params,
            ALICE,
            V1,
            SN1,
            Tao(50 * TAO),
            None,
        )
        .unwrap();
        add_stake(
            &mut net,
            &rules,
            &params,
            ALICE,
            V1,
            ROOT,
            Tao(50 * TAO),
            None,
        )
        .unwrap();
        let held = stake(&net, V1, ALICE, SN1);
        let e = refused(&mut net, |n| {
            add_stake(n, &rules, &params, ALICE, V1, NetUid(9), Tao(TAO), None)
        });
        assert_eq!(e, StakeError::UnknownSubnet(NetUid(9)), "{name}");
        let e = refused(&mut net, |n| {
            add_stake(n, &rules, &params, ALICE, HotkeyId(7), SN1, Tao(TAO), None)
        });
        assert_eq!(e, StakeError::UnknownHotkey(HotkeyId(7)), "{name}");
        let e = refused(&mut net, |n| {
            add_stake(n, &rules, &params, ALICE, V1, SN1, Tao(START_BALANCE), None)
        });
        assert!(
            matches!(e, StakeError::InsufficientBalance { .. }),
            "{name}: {e}"
        );
        // More than 1000 x SubnetTAO, or what the launch curve refuses.
        let mut rich = net.clone();
        rich.ledger = Ledger::new(
            Tao(u64::MAX / 2),
            &[("alice".into(), Tao(u64::MAX / 4)), ("bob".into(), Tao(0))],
            Tao(rich.subnets.iter().map(|s| s.tao_held()).sum()),
        )
        .unwrap();
        refused(&mut rich, |n| {
            add_stake(
                n,
                &rules,
                &params,
                ALICE,
                V1,
                SN1,
                Tao(2_000_000_000 * TAO),
                None,
            )
        });
        if rules.amm != Amm::ConstantProductFlatFee {
            // Remove more than held with a limit (no cap): not enough stake.
            let e = refused(&mut net, |n| {
                remove_stake_limit(
                    n,
                    &rules,
                    &params,
                    ALICE,
                    V1,
                    SN1,
                    Alpha(held + 1),
                    1_000,
                    false,
                )
            });
            assert_eq!(
                e,
                StakeError::NotEnoughStake {
                    available: held,
                    requested: held + 1
                },
                "{name}"
            );
            // A buy limit at or below the current price can execute nothing.
            let e = refused(&mut net, |n| {
                add_stake(n, &rules, &params, ALICE, V1, SN1, Tao(TAO), Some(1_000))
            });
            assert_eq!(e, StakeError::PriceLimit { limit_price: 1_000 }, "{name}");
            // Subtoken disabled: staking refused.
            net.subnets[2].subtoken_enabled = false;
            let e = refused(&mut net, |n| {
                add_stake(n, &rules, &params, ALICE, V1, SN2, Tao(TAO), None)
            });
            assert_eq!(e, StakeError::SubtokenDisabled(SN2), "{name}");
            net.subnets[2].subtoken_enabled = true;
            // Moving to the same position.
            let e = refused(&mut net, |n| {
                move_stake(n, &rules, &params, ALICE, (V1, SN1), (V1, SN1), Alpha(held))
            });
            assert_eq!(e, StakeError::SamePosition, "{name}");
        } else {
            let e = refused(&mut net, |n| {
                remove_stake(n, &rules, &params, ALICE, V1, SN1, Alpha(held + 1), None)
            });
            assert_eq!(
                e,
                StakeError::NotEnoughStake {
                    available: held,
                    requested: held + 1
                },
                "{name}"
            );
            // Launch moves needed the origin hotkey's owner: Alice cannot move Bob's nomination.
            add_stake(&mut net, &rules, &params, ALICE, V2, SN1, Tao(TAO), None).unwrap();
            let e = refused(&mut net, |n| {
                move_stake(
                    n,
                    &rules,
                    &params,
                    ALICE,
                    (V2, SN1),
                    (V1, SN2),
                    Alpha(1_000),
                )
            });
            assert_eq!(e, StakeError::NotHotkeyOwner, "{name}");
        }
        // A move too small to be worth the minimum.
        let e = refused(&mut net, |n| {
            move_stake(
                n,
                &rules,
                &params,
                ALICE,
                (V1, SN1),
                (V1, SN2),
                Alpha(1_000),
            )
        });
        assert!(matches!(e, StakeError::AmountTooLow { .. }), "{name}: {e}");
        assert_invariants(&net);
    }
}

#[test]
fn limit_orders_execute_up_to_the_limit() {
    let rules = Era::Current.rules();
    let params = Params::default();
    let mut net = network();
    // Price 0.1 TAO/alpha; buy at most up to 0.11.
    let limit = 110_000_000;
    let r = add_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        V1,
        SN1,
        Tao(1_000 * TAO),
        Some(limit),
    )
    .unwrap();
    assert!(r.tao_paid.0 < 1_000 * TAO, "partial: {}", r.tao_paid);
    let price = subnet(&net, SN1).pool.current_price().to_num::<f64>();
    assert!(price <= 0.110_000_001 && price > 0.109, "{price}");
    assert_invariants(&net);
    // Fill-or-kill refuses what the limit does not allow.
    let e = refused(&mut net, |n| {
        add_stake_limit(
            n,
            &rules,
            &params,
            BOB,
            V2,
            SN1,
            Tao(1_000 * TAO),
            120_000_000,
            false,
        )
    });
    assert!(matches!(e, StakeError::SlippageTooHigh { .. }), "{e}");
    // Sell down to 0.105 at most.
    let held = stake(&net, V1, ALICE, SN1);
    let r = remove_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        V1,
        SN1,
        Alpha(held),
        Some(105_000_000),
    )
    .unwrap();
    assert!(r.alpha_unstaked.0 < held);
    assert_eq!(
        stake(&net, V1, ALICE, SN1),
        held - r.alpha_unstaked.0,
        "the unsold rest stays staked"
    );
    // The sale stops at the limit; the author's alpha fee, sold fee-less afterwards at the
    // minimum price (as `unstake_from_subnet` does), nudges the price a fee's worth further.
    let price = subnet(&net, SN1).pool.current_price().to_num::<f64>();
    assert!((0.105 * (1.0 - 1e-4)..0.105).contains(&price), "{price}");
    assert_invariants(&net);
}

#[test]
fn moves_between_subnets_and_hotkeys() {
    let params = Params::default();
    let rules = Era::Current.rules();
    let mut net = network();
    add_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        V1,
        SN1,
        Tao(100 * TAO),
        None,
    )
    .unwrap();
    let held = stake(&net, V1, ALICE, SN1);

    // Same subnet, another hotkey: shares move, the pool is untouched, no fee.
    let pool = subnet(&net, SN1).pool;
    let r = move_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        (V1, SN1),
        (V2, SN1),
        Alpha(held / 2),
    )
    .unwrap();
    assert_eq!(subnet(&net, SN1).pool, pool);
    assert_eq!(r.fee_tao, Tao::ZERO);
    assert_eq!(stake(&net, V2, ALICE, SN1), held / 2);
    assert_eq!(stake(&net, V1, ALICE, SN1), held - held / 2);
    assert_invariants(&net);

    // Across subnets: sold on subnet 1 (fee there), bought on subnet 2 without a fee.
    let free_before = free(&net, ALICE);
    let r = move_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        (V2, SN1),
        (V2, SN2),
        Alpha(held / 2),
    )
    .unwrap();
    assert!(r.fee_alpha.0 > 0, "origin sell pays the fee");
    assert_eq!(stake(&net, V2, ALICE, SN1), 0);
    assert_eq!(Alpha(stake(&net, V2, ALICE, SN2)), r.alpha_staked);
    assert!(r.alpha_staked.0 > 0);
    assert_eq!(
        free(&net, ALICE),
        free_before,
        "the TAO went straight into subnet 2"
    );
    assert_invariants(&net);

    // From root the fee is charged on the destination buy.
    add_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        V1,
        ROOT,
        Tao(20 * TAO),
        None,
    )
    .unwrap();
    let author = net.ledger.unmodelled();
    let r = move_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        (V1, ROOT),
        (V1, SN2),
        Alpha(10 * TAO),
    )
    .unwrap();
    assert_eq!(r.tao_moved, Tao(10 * TAO));
    assert_eq!(r.fee_tao, Tao(10 * TAO * 33 / 65_535));
    assert_eq!(net.ledger.unmodelled().0, author.0 + r.fee_tao.0);
    assert_eq!(
        r.root_changes[0].unwrap().delta,
        RootDelta::Removed(10 * TAO)
    );
    assert_eq!(stake(&net, V1, ALICE, ROOT), 10 * TAO);
    assert_invariants(&net);

    // The move caps at the stake held.
    let all = stake(&net, V1, ALICE, SN1);
    move_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        (V1, SN1),
        (V1, ROOT),
        Alpha(all + 12_345),
    )
    .unwrap();
    assert_eq!(stake(&net, V1, ALICE, SN1), 0);
    assert_invariants(&net);
}

#[test]
fn launch_moves_sell_and_buy_with_half_fees() {
    let params = Params::default();
    let rules = Era::DtaoLaunch.rules();
    let mut net = network();
    add_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        V1,
        SN1,
        Tao(100 * TAO),
        None,
    )
    .unwrap();
    let held = stake(&net, V1, ALICE, SN1);
    let pool = subnet(&net, SN1).pool;
    // Even within one subnet the launch code sold and bought again.
    let r = move_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        (V1, SN1),
        (V2, SN1),
        Alpha(held),
    )
    .unwrap();
    assert_ne!(subnet(&net, SN1).pool, pool);
    assert_eq!(r.fee_tao, LAUNCH_STAKING_FEE, "25,000 on each side");
    assert_eq!(stake(&net, V1, ALICE, SN1), 0);
    assert!(stake(&net, V2, ALICE, SN1) < held);
    assert_invariants(&net);
}

#[test]
fn unstake_all_sells_every_position() {
    let params = Params::default();
    for (name, rules) in eras() {
        let mut net = network();
        for netuid in [ROOT, SN1, SN2] {
            add_stake(
                &mut net,
                &rules,
                &params,
                ALICE,
                V1,
                netuid,
                Tao(30 * TAO),
                None,
            )
            .unwrap();
        }
        // Another hotkey's stake is not touched.
        add_stake(&mut net, &rules, &params, ALICE, V2, SN1, Tao(TAO), None).unwrap();
        let r = unstake_all(&mut net, &rules, &params, ALICE, V1).unwrap();
        assert_eq!(r.legs, 3, "{name}");
        for netuid in [ROOT, SN1, SN2] {
            assert_eq!(stake(&net, V1, ALICE, netuid), 0, "{name} {netuid}");
        }
        assert!(stake(&net, V2, ALICE, SN1) > 0);
        assert!(free(&net, ALICE) < START_BALANCE);
        assert!(
            matches!(r.root_changes[0], Some(c) if c.delta == RootDelta::Removed(stake_amount(&rules)))
        );
        assert_invariants(&net);
        // Nothing left: the chain's unstake_all succeeds and does nothing.
        let before = snapshot(&net);
        let r = unstake_all(&mut net, &rules, &params, ALICE, V1).unwrap();
        assert_eq!(r.legs, 0);
        assert_eq!(snapshot(&net), before);
    }
    // HEAD skips subnets without a start call.
    let rules = Era::Current.rules();
    let mut net = network();
    add_stake(
        &mut net,
        &rules,
        &params,
        ALICE,
        V1,
        SN2,
        Tao(30 * TAO),
        None,
    )
    .unwrap();
    net.subnets[2].subtoken_enabled = false;
    let r = unstake_all(&mut net, &rules, &params, ALICE, V1).unwrap();
    assert_eq!(r.legs, 0);
    assert!(stake(&net, V1, ALICE, SN2) > 0);
}

/// The root stake of a 30-TAO stake in the era (the launch fee comes off it).
fn stake_amount(rules: &Rules) -> u64 {
    if rules.amm == Amm::ConstantProductFlatFee {
        30 * TAO - LAUNCH_STAKING_FEE.0
    } else {
        30 * TAO
    }
}

#[derive(Clone, Debug)]
enum Op {
    Add {
        who: u8,
        hk: u8,
        net: u8,
        tao: u64,
        limit: Option<u64>,
    },
    /// Sells `part` % of the `pick`-th non-empty position.
    Remove {
        pick: u8,
        part: u8,
        limit: Option<u64>,
    },
    /// Moves `part` % of the `pick`-th non-empty position to (hotkey, netuid).
    Move {
        pick: u8,
        to: (u8, u8),
        part: u8,
    },
    UnstakeAll {
        who: u8,
        hk: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let limit = prop_oneof![
        3 => Just(None),
        1 => (1_000u64..5_000_000_000).prop_map(Some)
    ];
    let tao = prop_oneof![
        1u64..5_000_000,
        5_000_000u64..10 * TAO,
        10 * TAO..3_000 * TAO
    ];
    let part = prop_oneof![1u8..=100, Just(100u8)];
    prop_oneof![
        4 => (0u8..2, 0u8..2, 0u8..3, tao, limit.clone()).prop_map(|(who, hk, net, tao, limit)| {
            Op::Add { who, hk, net, tao, limit }
        }),
        3 => (any::<u8>(), part.clone(), limit)
            .prop_map(|(pick, part, limit)| Op::Remove { pick, part, limit }),
        3 => (any::<u8>(), (0u8..2, 0u8..3), part)
            .prop_map(|(pick, to, part)| Op::Move { pick, to, part }),
        1 => (0u8..2, 0u8..2).prop_map(|(who, hk)| Op::UnstakeAll { who, hk }),
    ]
}

/// The `pick`-th non-empty (coldkey, hotkey, netuid) position, and `part` % of it.
fn position(net: &Network, pick: u8, part: u8) -> (ColdkeyId, HotkeyId, NetUid, Alpha) {
    let mut held = Vec::new();
    for s in &net.subnets {
        for (hk, pool) in &s.pools {
            for (ck, _) in pool.shares() {
                let alpha = pool.stake_of(ck);
                if alpha > 0 {
                    held.push((*ck, *hk, s.netuid, alpha));
                }
            }
        }
    }
    if held.is_empty() {
        return (ALICE, V1, SN1, Alpha(1));
    }
    let (ck, hk, netuid, alpha) = held[usize::from(pick) % held.len()];
    let alpha = (u128::from(alpha) * u128::from(part) / 100) as u64;
    (ck, hk, netuid, Alpha(alpha))
}

fn apply(
    net: &mut Network,
    rules: &Rules,
    params: &Params,
    op: &Op,
) -> Result<Receipt, StakeError> {
    match *op {
        Op::Add {
            who,
            hk,
            net: n,
            tao,
            limit,
        } => add_stake(
            net,
            rules,
            params,
            ColdkeyId(who.into()),
            HotkeyId(hk.into()),
            NetUid(n.into()),
            Tao(tao),
            limit,
        ),
        Op::Remove { pick, part, limit } => {
            let (ck, hk, netuid, alpha) = position(net, pick, part);
            remove_stake(net, rules, params, ck, hk, netuid, alpha, limit)
        }
        Op::Move { pick, to, part } => {
            let (ck, hk, netuid, alpha) = position(net, pick, part);
            let to = (HotkeyId(to.0.into()), NetUid(to.1.into()));
            move_stake(net, rules, params, ck, (hk, netuid), to, alpha)
        }
        Op::UnstakeAll { who, hk } => unstake_all(
            net,
            rules,
            params,
            ColdkeyId(who.into()),
            HotkeyId(hk.into()),
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random sequences in every era: conservation and alpha accounting after every operation,
    /// refusals change nothing, and once everyone has unstaked everything the stakers together
    /// hold no more TAO than they started with (fees and slippage only take).
    #[test]
    fn random_sequences_keep_the_invariants(
        era in 0usize..5,
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        let (name, rules) = eras().swap_remove(era);
        let params = Params::default();
        let mut net = network();
        for op in &ops {
            let before = snapshot(&net);
            match apply(&mut net, &rules, &params, op) {
                Ok(_) => {}
                Err(e) => prop_assert_eq!(snapshot(&net), before, "{} {:?}: {}", name, op, e),
            }
            assert_invariants(&net);
        }
        // Everyone leaves; TAO-only holders never end richer than they started. The chain
        // refuses a sale whose output reserve is below its minimum or that would pay out
        // nothing (`ReservesTooLow`): such a position stays, unchanged, and is not counted.
        for who in [ALICE, BOB] {
            for hk in [V1, V2] {
                let before = snapshot(&net);
                match unstake_all(&mut net, &rules, &params, who, hk) {
                    Ok(_) => {}
                    Err(StakeError::Swap(SwapError::ReservesTooLow)) => {
                        prop_assert_eq!(snapshot(&net), before, "{}: a refused exit", name)
                    }
                    Err(e) => prop_assert!(false, "{}: exit refused: {}", name, e),
                }
                assert_invariants(&net);
            }
        }
        let ended = free(&net, ALICE) + free(&net, BOB);
        prop_assert!(ended <= 2 * START_BALANCE, "{}: {} > {}", name, ended, 2 * START_BALANCE);
    }
}
