//! Initial subnets from a snapshot CSV in the format of `subnets_snapshot_2026-04-11.csv`
//! (one row per netuid; amounts in TAO/alpha with decimals).
//!
//! What the file does not give is assumed, and stated here: every subnet has made its start
//! call long ago (first emission block 1) and emits; locks are already in the pools; the balancer
//! weight is set so that the pool's spot price equals the published `price_tao`, as the chain's own
//! migration to the balancer did (`w_quote = tao / (price * alpha + tao)`); root (netuid 0) is its
//! TAO stake, 1:1, with no AMM.

use sim_core::schedule::EpochClock;
use sim_core::subnet::{Pending, Subnet, SubnetPool, PERQUINTILL};
use sim_core::units::{parse_tokens, Alpha, BlockNumber, NetUid, Tao};
use std::path::Path;

/// `FeeRate` default 33/65535 (spec 6.2).
const DEFAULT_FEE_RATE: u16 = 33;

/// Reads the snapshot; errors name the file, the line and the column.
pub fn load(path: &Path, start_block: BlockNumber) -> Result<Vec<Subnet>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| format!("{}: empty file", path.display()))?
        .split(',')
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| format!("{}: no column `{name}`", path.display()))
    };
    let (c_netuid, c_name, c_tao, c_ain, c_aout, c_price, c_mp, c_tempo) = (
        col("netuid")?,
        col("name")?,
        col("tau_in")?,
        col("alpha_in")?,
        col("alpha_out")?,
        col("price_tao")?,
        col("moving_price")?,
        col("tempo")?,
    );
    let mut subnets = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |c: usize| format!("{}:{}: column `{}`", path.display(), i + 2, header[c]);
        if line.contains('"') {
            return Err(format!(
                "{}:{}: quoted fields are not supported",
                path.display(),
                i + 2
            ));
        }
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != header.len() {
            return Err(format!(
                "{}:{}: {} fields, the header has {}",
                path.display(),
                i + 2,
                f.len(),
                header.len()
            ));
        }
        let tokens =
            |c: usize| parse_tokens(f[c]).map_err(|e| format!("{} = {:?}: {e}", at(c), f[c]));
        let number = |c: usize| -> Result<f64, String> {
            if f[c].is_empty() {
                return Ok(0.0);
            }
            f[c].parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("{} = {:?}: not a non-negative number", at(c), f[c]))
        };
        let netuid: u16 = f[c_netuid]
            .parse()
            .map_err(|_| format!("{} = {:?}: not a netuid", at(c_netuid), f[c_netuid]))?;
        if subnets.iter().any(|s: &Subnet| s.netuid.0 == netuid) {
            return Err(format!("{}: netuid {netuid} appears twice", at(c_netuid)));
        }
        let tempo: u16 = f[c_tempo]
            .parse()
            .map_err(|_| format!("{} = {:?}: not a tempo", at(c_tempo), f[c_tempo]))?;
        let tao = Tao(tokens(c_tao)?);
        let root = netuid == 0;
        let (alpha_in, alpha_out) = if root {
            (0, 0)
        } else {
            (tokens(c_ain)?, tokens(c_aout)?)
        };
        let price = number(c_price)?;
        let quote_weight = if root || alpha_in == 0 || price == 0.0 {
            PERQUINTILL / 2
        } else {
            let y = tao.0 as f64;
            let w = y / (price * alpha_in as f64 + y);
            ((w.clamp(0.01, 0.99)) * PERQUINTILL as f64).round() as u64
        };
        let moving_price = if root { 1.0 } else { number(c_mp)? };
        subnets.push(Subnet {
            netuid: NetUid(netuid),
            name: f[c_name].to_string(),
            pool: SubnetPool {
                tao,
                alpha_in: Alpha(alpha_in),
                alpha_out: Alpha(alpha_out),
                protocol_alpha: Alpha(0),
                quote_weight,
                fee_rate: DEFAULT_FEE_RATE,
            },
            moving_price_bits: (moving_price * 4_294_967_296.0).round() as i128,
            registered_at: 0,
            first_emission_block: Some(1),
            emission_enabled: !root,
            locked: Tao::ZERO,
            pending: Pending::default(),
            clock: EpochClock::new_subnet(NetUid(netuid), tempo, start_block),
        });
    }
    subnets.sort_by_key(|s| s.netuid);
    Ok(subnets)
}
