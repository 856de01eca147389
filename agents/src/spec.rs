//! `[[agents]]` in a scenario: populations of one policy each, checked key by key. Every
//! problem names its TOML path (`agents[2].quality`) and the rule it breaks.

use crate::dist::Dist;
use crate::miner::{Miner, MinerConfig};
use crate::owner::{Owner, OwnerConfig};
use crate::staker::{Staker, StakerConfig, Whale, WhaleConfig};
use crate::trader::{Trader, TraderConfig, TraderStyle};
use crate::validator::{Style, Validator, ValidatorConfig};
use sim_core::agent::{Agent, AgentSlot, Hyperparameter};
use sim_core::units::{BlockNumber, NetUid};
use std::collections::BTreeSet;

/// The largest population a scenario may declare.
pub const MAX_COUNT: u64 = 1_000_000;
/// `MaxAllowedUids`: at most this many validators of one population per subnet.
pub const MAX_UIDS: u64 = 256;

/// A problem in `[[agents]]`: the TOML path and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecProblem {
    pub key: String,
    pub message: String,
}

/// What the scenario knows that agent specs are checked against.
pub struct SpecContext<'a> {
    /// Non-root subnets at the start.
    pub netuids: &'a [NetUid],
    pub start_block: BlockNumber,
}

/// One validated population.
#[derive(Clone, Debug, PartialEq)]
pub struct Population {
    pub name: String,
    pub count: u32,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Miner(MinerConfig),
    /// One config per member: members spread over the subnets in turn.
    Validator(ValidatorConfig, Vec<NetUid>),
    Staker(StakerConfig),
    Whale(WhaleConfig),
    Trader(TraderConfig, Vec<NetUid>),
    Owner(OwnerConfig),
}

impl Population {
    /// The agents of this population, member by member.
    pub fn agents(&self) -> impl Iterator<Item = AgentSlot> + '_ {
        (0..self.count).map(move |m| {
            let name = format!("{}#{m}", self.name);
            let pick = |subnets: &[NetUid]| subnets[m as usize % subnets.len()];
            let agent: Box<dyn Agent> = match &self.kind {
                Kind::Miner(c) => Box::new(Miner::new(name, c.clone())),
                Kind::Validator(c, subnets) => Box::new(Validator::new(
                    name,
                    ValidatorConfig {
                        netuid: pick(subnets),
                        ..c.clone()
                    },
                )),
                Kind::Staker(c) => Box::new(Staker::new(name, c.clone())),
                Kind::Whale(c) => Box::new(Whale::new(name, c.clone())),
                Kind::Trader(c, subnets) => Box::new(Trader::new(
                    name,
                    TraderConfig {
                        netuid: pick(subnets),
                        ..c.clone()
                    },
                )),
                Kind::Owner(c) => Box::new(Owner::new(name, c.clone())),
            };
            AgentSlot {
                population: self.name.clone(),
                member: m,
                agent,
            }
        })
    }
}

/// Every agent of every population, in scenario order.
pub fn build(populations: &[Population]) -> Vec<AgentSlot> {
    populations.iter().flat_map(Population::agents).collect()
}

/// Reads one table's keys, remembering which were used so that the rest are reported unknown.
struct Fields<'a> {
    at: String,
    table: &'a toml::Table,
    used: BTreeSet<&'static str>,
    problems: &'a mut Vec<SpecProblem>,
}

impl Fields<'_> {
    fn problem(&mut self, key: &str, message: impl Into<String>) {
        self.problems.push(SpecProblem {
            key: format!("{}.{key}", self.at),
            message: message.into(),
        });
    }

    fn raw(&mut self, key: &'static str) -> Option<&toml::Value> {
        self.used.insert(key);
        self.table.get(key)
    }

    fn number(&mut self, key: &'static str, default: f64, min: f64, max: f64) -> f64 {
        let v = match self.raw(key).cloned() {
            None => return default,
            Some(toml::Value::Integer(i)) => i as f64,
            Some(toml::Value::Float(f)) => f,
            Some(_) => {
                self.problem(key, "must be a number");
                return default;
            }
        };
        if !(min..=max).contains(&v) {
            self.problem(key, format!("= {v} is out of range [{min}, {max}]"));
            return default;
        }
        v
    }

    fn int(&mut self, key: &'static str, default: u64, min: u64, max: u64) -> u64 {
        match self.raw(key).cloned() {
            None => default,
            Some(toml::Value::Integer(i)) if (min as i128..=max as i128).contains(&(i as i128)) => {
                i as u64
            }
            Some(toml::Value::Integer(i)) => {
                self.problem(key, format!("= {i} is out of range [{min}, {max}]"));
                default
            }
            Some(_) => {
                self.problem(key, "must be an integer");
                default
            }
        }
    }

    fn opt_int(&mut self, key: &'static str, min: u64, max: u64) -> Option<u64> {
        self.table.get(key)?;
        Some(self.int(key, min, min, max))
    }

    fn boolean(&mut self, key: &'static str, default: bool) -> bool {
        match self.raw(key).cloned() {
            None => default,
            Some(toml::Value::Boolean(b)) => b,
            Some(_) => {
                self.problem(key, "must be true or false");
                default
            }
        }
    }

    fn string(&mut self, key: &'static str) -> Option<String> {
        match self.raw(key).cloned() {
            None => None,
            Some(toml::Value::String(s)) => Some(s),
            Some(_) => {
                self.problem(key, "must be a string");
                None
            }
        }
    }

    /// A distribution whose every draw must lie in [min, max].
    fn dist(&mut self, key: &'static str, default: Dist, min: f64, max: f64) -> Dist {
        let Some(v) = self.raw(key).cloned() else {
            return default;
        };
        match Dist::parse(&v) {
            Ok(d) => {
                let (lo, hi) = d.support();
                // An unbounded upper tail (lognormal) is fine: draws are capped by the policy's
                // units; a lower tail below the minimum (e.g. a normal capital) is not.
                if lo < min || (hi.is_finite() && hi > max) {
                    self.problem(
                        key,
                        format!(
                            "draws can fall outside [{min}, {max}] (support [{lo}, {hi}]); \
                             use a distribution bounded to that range"
                        ),
                    );
                    return default;
                }
                d
            }
            Err(e) => {
                self.problem(key, e);
                default
            }
        }
    }

    /// `subnets = [..]`: existing non-root netuids (empty when the key is absent).
    fn subnets(&mut self, ctx: &SpecContext) -> Vec<NetUid> {
        let Some(v) = self.raw("subnets").cloned() else {
            return Vec::new();
        };
        let Some(list) = v.as_array() else {
            self.problem("subnets", "must be a list of netuids");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, x) in list.iter().enumerate() {
            match x.as_integer() {
                Some(n) if ctx.netuids.iter().any(|u| i64::from(u.0) == n) => {
                    out.push(NetUid(n as u16))
                }
                Some(n) => self.problem(
                    &format!("subnets[{i}]"),
                    format!("= {n}: no such non-root subnet at the start"),
                ),
                None => self.problem(&format!("subnets[{i}]"), "must be an integer netuid"),
            }
        }
        out
    }

    fn finish(mut self) {
        let unknown: Vec<String> = self
            .table
            .keys()
            .filter(|k| !self.used.contains(k.as_str()))
            .cloned()
            .collect();
        for k in unknown {
            self.problem(&k, "unknown key");
        }
    }
}

const KINDS: &str = "miner, validator, staker, whale, trader, owner";

/// Checks and reads every `[[agents]]` table.
pub fn parse(
    tables: &[toml::Table],
    ctx: &SpecContext,
) -> Result<Vec<Population>, Vec<SpecProblem>> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    for (i, table) in tables.iter().enumerate() {
        let mut f = Fields {
            at: format!("agents[{i}]"),
            table,
            used: BTreeSet::new(),
            problems: &mut problems,
        };
        let name = f.string("name").unwrap_or_default();
        if name.is_empty() || name.contains('#') {
            f.problem(
                "name",
                "is required: a non-empty population name without `#`",
            );
        } else if !names.insert(name.clone()) {
            f.problem("name", format!("`{name}` is used by two populations"));
        }
        let count = f.int("count", 1, 1, MAX_COUNT) as u32;
        let kind = f.string("kind").unwrap_or_default();
        let kind = match kind.as_str() {
            "miner" => Some(miner(&mut f, ctx)),
            "validator" => validator(&mut f, ctx, count),
            "staker" => Some(staker(&mut f, ctx)),
            "whale" => whale(&mut f, ctx),
            "trader" => trader(&mut f, ctx),
            "owner" => Some(owner(&mut f)),
            other => {
                f.problem(
                    "kind",
                    format!("= {other:?}: unknown agent kind (known: {KINDS})"),
                );
                None
            }
        };
        f.finish();
        if let Some(kind) = kind {
            out.push(Population { name, count, kind });
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn reaction(f: &mut Fields, default: f64) -> Dist {
    f.dist("reaction_blocks", Dist::Constant(default), 1.0, 1e9)
}

fn miner(f: &mut Fields, ctx: &SpecContext) -> Kind {
    Kind::Miner(MinerConfig {
        subnets: f.subnets(ctx),
        capital_tao: f.dist("capital_tao", Dist::Constant(10.0), 0.0, 1e9),
        quality: f.dist(
            "quality",
            Dist::Uniform {
                low: 0.0,
                high: 1.0,
            },
            f64::NEG_INFINITY,
            f64::INFINITY,
        ),
        quality_drift_per_day: f.number("quality_drift_per_day", 0.02, 0.0, 1.0),
        reaction_blocks: reaction(f, 360.0),
        min_payback: f.number("min_payback", 1.0, 0.0, 1e6),
        cost_tao_per_day: f.number("cost_tao_per_day", 0.0, 0.0, 1e9),
    })
}

fn subnets_or_all(f: &mut Fields, ctx: &SpecContext) -> Vec<NetUid> {
    let s = f.subnets(ctx);
    if s.is_empty() {
        ctx.netuids.to_vec()
    } else {
        s
    }
}

fn validator(f: &mut Fields, ctx: &SpecContext, count: u32) -> Option<Kind> {
    let subnets = subnets_or_all(f, ctx);
    let style = f.string("style").unwrap_or_else(|| "honest".into());
    let style = Style::parse(&style).or_else(|| {
        f.problem(
            "style",
            format!("= {style:?}: unknown (known: honest, lazy, copier, cabal)"),
        );
        None
    });
    let lazy = style == Some(Style::Lazy);
    let cfg = ValidatorConfig {
        style: style.unwrap_or(Style::Honest),
        netuid: NetUid(0),
        stake_tao: f.dist("stake_tao", Dist::Constant(1_000.0), 0.0, 1e9),
        noise: f.number("noise", 0.05, 0.0, 10.0),
        take: (f.number("take", 0.18, 0.0, 0.18) * 65_535.0).round() as u16,
        update_every_tempos: f.int(
            "update_every_tempos",
            if lazy { 5 } else { 1 },
            1,
            1_000_000,
        ),
        inactive_after_blocks: f.opt_int("inactive_after_blocks", 1, u64::MAX / 4),
        favour: match f.raw("favour").cloned() {
            None => Vec::new(),
            Some(toml::Value::Array(a)) if a.iter().all(|x| x.is_str()) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            Some(_) => {
                f.problem("favour", "must be a list of miner population names");
                Vec::new()
            }
        },
    };
    if cfg.style == Style::Cabal && cfg.favour.is_empty() {
        f.problem(
            "favour",
            "is required for a cabal: the miner populations it weights",
        );
    }
    if subnets.is_empty() {
        f.problem("subnets", "no non-root subnet to validate on");
        return None;
    }
    let per_subnet = u64::from(count).div_ceil(subnets.len() as u64);
    if per_subnet > MAX_UIDS {
        f.problem(
            "count",
            format!(
                "= {count}: {per_subnet} validators per subnet over {} subnets, but a subnet has at most {MAX_UIDS} UIDs",
                subnets.len()
            ),
        );
    }
    style.map(|_| Kind::Validator(cfg, subnets))
}

fn staker(f: &mut Fields, ctx: &SpecContext) -> Kind {
    Kind::Staker(StakerConfig {
        subnets: f.subnets(ctx),
        include_root: f.boolean("include_root", true),
        capital_tao: f.dist("capital_tao", Dist::Constant(100.0), 0.0, 1e9),
        rebalance_blocks: f.dist("rebalance_blocks", Dist::Constant(7_200.0), 1.0, 1e9),
        inertia: f.number("inertia", 0.8, 0.0, 0.999),
        smoothing: f.number("smoothing", 0.3, 0.001, 1.0),
        switch_margin: f.number("switch_margin", 1.2, 1.0, 1e6),
    })
}

fn whale(f: &mut Fields, ctx: &SpecContext) -> Option<Kind> {
    let netuid = f.int("netuid", 0, 0, u64::from(u16::MAX));
    let netuid = NetUid(netuid as u16);
    if !ctx.netuids.contains(&netuid) {
        f.problem(
            "netuid",
            format!("= {}: required, an existing non-root subnet", netuid.0),
        );
    }
    let enter_block = f.int(
        "enter_block",
        ctx.start_block + 1,
        ctx.start_block + 1,
        u64::MAX / 4,
    );
    let exit_block = f.opt_int("exit_block", enter_block + 1, u64::MAX / 4);
    Some(Kind::Whale(WhaleConfig {
        netuid,
        capital_tao: f.dist("capital_tao", Dist::Constant(100_000.0), 0.0, 1e9),
        enter_block,
        exit_block,
    }))
}

fn trader(f: &mut Fields, ctx: &SpecContext) -> Option<Kind> {
    let subnets = subnets_or_all(f, ctx);
    let style = f.string("style").unwrap_or_else(|| "momentum".into());
    let style = match style.as_str() {
        "momentum" => Some(TraderStyle::Momentum),
        "mean_reversion" => Some(TraderStyle::MeanReversion),
        other => {
            f.problem(
                "style",
                format!("= {other:?}: unknown (known: momentum, mean_reversion)"),
            );
            None
        }
    };
    let cfg = TraderConfig {
        style: style.unwrap_or(TraderStyle::Momentum),
        netuid: NetUid(0),
        capital_tao: f.dist("capital_tao", Dist::Constant(1_000.0), 0.0, 1e9),
        window_blocks: f.int("window_blocks", 7_200, 1, 100_000_000),
        threshold: f.number("threshold", 0.05, 0.0, 100.0),
        trade_tao: f.number("trade_tao", 10.0, 0.001, 1e9),
        max_position_tao: f.number("max_position_tao", 500.0, 0.001, 1e9),
        reaction_blocks: reaction(f, 100.0),
    };
    if subnets.is_empty() {
        f.problem("subnets", "no non-root subnet to trade");
        return None;
    }
    style.map(|_| Kind::Trader(cfg, subnets))
}

fn owner(f: &mut Fields) -> Kind {
    let mut hyperparameters = Vec::new();
    if let Some(v) = f.table.get("yuma3").and_then(toml::Value::as_bool) {
        hyperparameters.push(Hyperparameter::Yuma3(v));
    }
    f.boolean("yuma3", false);
    if let Some(v) = f.table.get("liquid_alpha").and_then(toml::Value::as_bool) {
        hyperparameters.push(Hyperparameter::LiquidAlpha(v));
    }
    f.boolean("liquid_alpha", false);
    if let Some(v) = f.opt_int("bonds_moving_average", 0, 975_000) {
        hyperparameters.push(Hyperparameter::BondsMovingAverage(v));
    }
    if let Some(v) = f.opt_int("immunity_period", 0, u64::from(u16::MAX)) {
        hyperparameters.push(Hyperparameter::ImmunityPeriod(v as u16));
    }
    Kind::Owner(OwnerConfig {
        capital_tao: f.dist("capital_tao", Dist::Constant(5_000.0), 0.0, 1e9),
        tempo: f.int("tempo", 360, 1, 50_400) as u16,
        horizon_days: f.number("horizon_days", 90.0, 0.0, 36_500.0),
        reaction_blocks: reaction(f, 7_200.0),
        hyperparameters,
        burn: f.number("burn", 0.0, 0.0, 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Result<Vec<Population>, Vec<SpecProblem>> {
        #[derive(serde::Deserialize)]
        struct W {
            agents: Vec<toml::Table>,
        }
        let w: W = toml::from_str(src).unwrap();
        let netuids = [NetUid(1), NetUid(2)];
        parse(
            &w.agents,
            &SpecContext {
                netuids: &netuids,
                start_block: 100,
            },
        )
    }

    fn keys(src: &str) -> Vec<String> {
        run(src)
            .unwrap_err()
            .into_iter()
            .map(|p| format!("{}: {}", p.key, p.message))
            .collect()
    }

    #[test]
    fn a_full_spec_is_read() {
        let pops = run(r#"
            [[agents]]
            name = "m"
            kind = "miner"
            count = 10
            quality = { normal = [0.5, 0.1] }
            [[agents]]
            name = "v"
            kind = "validator"
            count = 4
            style = "cabal"
            favour = ["m"]
            [[agents]]
            name = "w"
            kind = "whale"
            netuid = 2
            enter_block = 500
            exit_block = 900
        "#)
        .unwrap();
        assert_eq!(pops.len(), 3);
        assert_eq!(build(&pops).len(), 15);
        match &pops[1].kind {
            Kind::Validator(c, subnets) => {
                assert_eq!(c.style, Style::Cabal);
                assert_eq!(subnets, &vec![NetUid(1), NetUid(2)]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_specs_name_the_key_and_the_rule() {
        let p = keys(
            r#"
            [[agents]]
            name = "m"
            kind = "minor"
            [[agents]]
            name = "m"
            kind = "miner"
            count = 0
            quality = { normal = [0.5, -1] }
            capital_tao = { uniform = [5, 1] }
            colour = "red"
            subnets = [1, 7]
            [[agents]]
            name = "v"
            kind = "validator"
            count = 600
            subnets = [1, 2]
            [[agents]]
            name = "s"
            kind = "staker"
            capital_tao = { normal = [100, 10] }
        "#,
        );
        let has = |s: &str| p.iter().any(|x| x.contains(s));
        assert!(
            has("agents[0].kind: = \"minor\": unknown agent kind"),
            "{p:?}"
        );
        assert!(
            has("agents[1].name: `m` is used by two populations"),
            "{p:?}"
        );
        assert!(has("agents[1].count: = 0 is out of range"), "{p:?}");
        assert!(
            has("agents[1].quality: `normal` sd -1 is negative"),
            "{p:?}"
        );
        assert!(
            has("agents[1].capital_tao: `uniform = [5, 1]` is an empty range"),
            "{p:?}"
        );
        assert!(has("agents[1].colour: unknown key"), "{p:?}");
        assert!(
            has("agents[1].subnets[1]: = 7: no such non-root subnet"),
            "{p:?}"
        );
        assert!(
            has("agents[2].count: = 600: 300 validators per subnet"),
            "{p:?}"
        );
        // A normal capital can draw below zero.
        assert!(
            has("agents[3].capital_tao: draws can fall outside"),
            "{p:?}"
        );
    }
}
