//! What several policies read off the network the same way: delegation targets, staking
//! yields and a miner's expected reward. Estimates, not chain rules: each says what it assumes.

use sim_core::neurons::HotkeyId;
use sim_core::units::NetUid;
use sim_core::view::NetworkView;
use sim_core::RAO_PER_TAO;

/// The validator a staker delegates to on `netuid`: the permit holder with the most stake
/// (ties: lowest UID), else the hotkey with the largest stake pool there.
pub fn top_validator(view: &NetworkView, netuid: NetUid) -> Option<HotkeyId> {
    let s = view.subnet(netuid)?;
    let nr = &s.neurons;
    let stake = |hk: &HotkeyId| s.pools.get(hk).map_or(0, |p| p.value());
    let permitted = (0..nr.len())
        .filter(|&u| nr.validator_permit[u])
        .map(|u| nr.hotkeys()[u])
        .max_by_key(|hk| (stake(hk), std::cmp::Reverse(*hk)));
    permitted.or_else(|| {
        s.pools
            .iter()
            .max_by_key(|(hk, p)| (p.value(), std::cmp::Reverse(**hk)))
            .map(|(hk, _)| *hk)
    })
}

/// Alpha paid to a subnet's stakers per block as a fraction of the alpha they hold: the last
/// block's alpha_out emission over alpha outstanding. On root: the root alpha of all subnets,
/// valued at their prices, over root stake.
pub fn staking_yield_per_block(view: &NetworkView, netuid: NetUid) -> f64 {
    let Some(s) = view.subnet(netuid) else {
        return 0.0;
    };
    if s.is_root() {
        let paid: f64 = view
            .subnets()
            .iter()
            .map(|x| x.last_emission.root_alpha.0 as f64 * x.spot_price_f64())
            .sum();
        return paid / (s.pool.tao_reserve.0.max(1) as f64);
    }
    s.last_emission.alpha_out.0 as f64 / (s.alpha_out.0.max(1) as f64)
}

/// The TAO a miner of relative quality `quality_share` (its share of all miners' quality) would
/// earn on `netuid` over `blocks`: the miners' half of the last block's alpha_out emission (after
/// the owner cut), times the share, at the spot price.
pub fn miner_reward_tao(
    view: &NetworkView,
    netuid: NetUid,
    quality_share: f64,
    blocks: u64,
) -> f64 {
    let Some(s) = view.subnet(netuid) else {
        return 0.0;
    };
    let per_block = s.last_emission.alpha_out.0 as f64 * 0.5;
    per_block * quality_share * blocks as f64 * s.spot_price_f64() / RAO_PER_TAO as f64
}

pub fn tao(rao: u64) -> f64 {
    rao as f64 / RAO_PER_TAO as f64
}

pub fn rao(tao: f64) -> u64 {
    (tao.max(0.0) * RAO_PER_TAO as f64) as u64
}
