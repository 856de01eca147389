//! Initial subnets from a snapshot CSV in the format of `subnets_snapshot_2026-04-11.csv`
//! (one row per netuid; amounts in TAO/alpha with decimals).
//!
//! What the file does not give is assumed, and stated here: every subnet that has emitted (alpha
//! outstanding or a moving price) made its start call long ago (first emission block 1); a
//! subnet with neither has not made it yet (netuid 96 in the 2026-04-11 file: no emission, no
//! alpha outstanding, no moving price) and is loaded as the chain holds it, outside the emission
//! set until its owner calls `start_call`; locks are already in the pools; the balancer
//! weight is set so that the pool's spot price equals the published `price_tao`, as the chain's own
//! migration to the balancer did (`w_quote = tao / (price * alpha + tao)`); root (netuid 0) is its
//! TAO stake, 1:1, with no AMM.

use sim_core::amm::{initial_quote_weight, Pool, QuoteWeight};
use sim_core::subnet::{Mechanism, Subnet};
use sim_core::units::{parse_tokens, Alpha, BlockNumber, NetUid, Tao};
use std::path::Path;
use substrate_fixed::types::{I96F32, U64F64};

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
        // The weight that prices the pool at the published price, as the chain's migration to
        // the balancer set it (`maybe_initialize_palswap`); 0.5 where there is no price.
        let weight = if root || alpha_in == 0 || price == 0.0 {
            QuoteWeight::HALF
        } else {
            initial_quote_weight(tao, Alpha(alpha_in), Some(U64F64::from_num(price)))
                .unwrap_or(QuoteWeight::HALF)
        };
        let moving_price = if root { 1.0 } else { number(c_mp)? };
        // Alpha outstanding grows with every block a subnet emits and the moving price with every
        // block it is in the emission set, so a subnet with neither has not started.
        let started = root || alpha_out > 0 || !f[c_mp].trim().is_empty();
        let mut subnet = Subnet::new(
            NetUid(netuid),
            Pool::new(tao, Alpha(alpha_in), weight),
            tempo,
            start_block,
        );
        subnet.name = f[c_name].to_string();
        subnet.alpha_out = Alpha(alpha_out);
        subnet.moving_price = I96F32::from_num(moving_price);
        subnet.registered_at = 0;
        subnet.first_emission_block = started.then_some(1);
        if root {
            subnet.mechanism = Mechanism::Stable;
        }
        subnets.push(subnet);
    }
    subnets.sort_by_key(|s| s.netuid);
    Ok(subnets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::coinbase::in_emit_set;

    #[test]
    fn a_subnet_that_never_emitted_is_loaded_before_its_start_call() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scenarios/data/subnets_snapshot_2026-04-11.csv");
        let subnets = load(&path, 7_943_400).unwrap();
        assert_eq!(subnets.len(), 129);
        let unstarted: Vec<u16> = subnets
            .iter()
            .filter(|s| !s.is_root() && !in_emit_set(s))
            .map(|s| s.netuid.0)
            .collect();
        assert_eq!(unstarted, vec![96]);
        let verathos = subnets.iter().find(|s| s.netuid.0 == 96).unwrap();
        assert_eq!(verathos.first_emission_block, None);
        assert_eq!(
            verathos.pool.tao_reserve,
            Tao(parse_tokens("1.6816").unwrap())
        );
    }
}
