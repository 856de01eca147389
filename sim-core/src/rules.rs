//! Which variant of each mechanism is in force: rules are data (house rule 5).
//!
//! Every mechanism that changed over the chain's history is an enum; an [`Era`] preset picks one
//! variant of each (spec section 9), and a scenario may override single mechanisms or switch the
//! whole era at a block. The variants name what the chain did; the mechanics that implement each
//! live next to the state they change (`coinbase`, `amm`, `registration`, `epoch`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// How the block's TAO is split across subnets (spec 2.3, 2.11, history in section 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmissionSplit {
    /// Pre-dTAO: root validators' weights over subnets decide the shares; root's share is recycled.
    RootWeights,
    /// dTAO launch to 2025-11: moving price over the sum of moving prices.
    PriceEma,
    /// 2025-11 to 2026-05: shares from the EMA of users' TAO flow into each subnet.
    TaoFlow,
    /// 2026-05-27 to 2026-06-22: user flow minus normalised protocol flow.
    NetTaoFlow,
    /// Since 2026-06-22: price-EMA shares times (1 - miner burned), emission-disabled subnets zeroed.
    PriceEmaMinerBurn,
}

/// The subnet pool curve (spec 6.2, 6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Amm {
    /// dTAO launch: x*y = k with a flat 50,000-rao staking fee kept in the pool.
    ConstantProductFlatFee,
    /// 2025-06 to 2026-06 Uniswap-v3 era with one full-range protocol position, modelled as
    /// constant product with the 0.05 % swap fee (docs/decisions).
    ConstantProductFeeRate,
    /// Since 2026-06-25: weighted (balancer) pool, fee to the block author.
    Balancer,
}

/// How much TAO and alpha each subnet's pool receives per block (spec 2.5 cap history).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Injection {
    /// Pre-dTAO: no pools, no alpha.
    None,
    /// dTAO launch: alpha_in = min(E_i / price, alpha_emission); all E_i injected, no chain buy.
    LaunchUncapped,
    /// 2025-09: cheap subnets get chain buys whose alpha is recycled ("subsidy").
    Subsidy,
    /// 2025-11: cap alpha_emission, excess bought and recycled.
    CapAlphaEmissionRecycle,
    /// 2025-12-12: cap min(alpha_emission, TAO block emission), excess bought and recycled.
    CapBlockEmissionRecycle,
    /// 2026-06-01: same cap, bought alpha kept as protocol alpha.
    CapBlockEmissionKeep,
    /// Since 2026-06-22: cap root_prop * alpha_emission, bought alpha kept as protocol alpha.
    CapRootPropKeep,
}

/// Where root stakers' alpha goes (spec 2.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RootDividends {
    /// Pre-dTAO: no root dividends in alpha.
    None,
    /// dTAO launch to 2025-11: root alpha sold into the pool every block, paid in TAO at the epoch.
    SoldEveryBlock,
    /// Since 2025-11-04: claimable alpha with auto-claims; recycled when the root-sell flag is off.
    Claimable,
}

/// The neuron registration price rule (spec 4.1, 4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeuronBurn {
    /// Pre-dTAO: interval adjustment; the burn is recycled out of total issuance.
    IntervalRecycled,
    /// dTAO launch to 2026-04-21: interval adjustment; the burn buys alpha that is recycled.
    IntervalSwapRecycleAlpha,
    /// Since 2026-04-22: decaying price bumped x1.26 per registration; buys alpha that is recycled.
    DecayAndBump,
}

/// What happens to a subnet registration's lock (spec 5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockHandling {
    /// Pre-dTAO: the lock is held and refundable.
    Locked,
    /// dTAO launch to 2026-04-21: min lock seeds a 1:1 pool, the rest is recycled.
    SeedMinLockRecycleRest,
    /// Since 2026-04-22: all of it to the pool at the median price.
    PoolAtMedianPrice,
}

/// When each subnet's epoch runs (spec 2.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EpochSchedule {
    /// Until 2026-06-25: every tempo + 1 blocks with a netuid offset.
    Legacy,
    /// Since 2026-06-25: stateful, period = tempo, at most MaxEpochsPerBlock epochs per block.
    Tempo,
}

/// The moving (EMA) price update (spec 2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovingPrice {
    /// dTAO launch: plain EMA of the uncapped spot price.
    Plain,
    /// 2025-02-13 hotfix: spot capped at 1.0.
    Capped,
    /// Since 2025-04-04: capped, with alpha ramped by b/(b + halving blocks) since start call.
    CappedRamped,
}

/// Where transaction and swap fees go (spec 1.3, 6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeDestination {
    /// Until ~2026-02: destroyed and subtracted from total issuance (recycled).
    Recycled,
    /// Since ~2026-02: paid to the block author.
    BlockAuthor,
}

/// The rule era presets (spec section 9). Each names the first date its rules were in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Era {
    #[serde(rename = "pre-dtao")]
    PreDtao,
    #[serde(rename = "2025-02")]
    DtaoLaunch,
    #[serde(rename = "2025-04")]
    EmaRamp,
    #[serde(rename = "2025-06")]
    SwapV3,
    #[serde(rename = "2025-09")]
    Subsidy,
    #[serde(rename = "2025-11")]
    TaoFlow,
    #[serde(rename = "2025-12")]
    BlockEmissionCap,
    #[serde(rename = "2026-02")]
    FeesToAuthor,
    #[serde(rename = "2026-04")]
    DecayBurn,
    #[serde(rename = "2026-05")]
    NetTaoFlow,
    #[serde(rename = "2026-06")]
    Current,
}

impl Era {
    pub const ALL: [Era; 11] = [
        Era::PreDtao,
        Era::DtaoLaunch,
        Era::EmaRamp,
        Era::SwapV3,
        Era::Subsidy,
        Era::TaoFlow,
        Era::BlockEmissionCap,
        Era::FeesToAuthor,
        Era::DecayBurn,
        Era::NetTaoFlow,
        Era::Current,
    ];

    /// The name used in scenario files (`rules.era = "2026-06"`).
    pub fn name(self) -> &'static str {
        match self {
            Era::PreDtao => "pre-dtao",
            Era::DtaoLaunch => "2025-02",
            Era::EmaRamp => "2025-04",
            Era::SwapV3 => "2025-06",
            Era::Subsidy => "2025-09",
            Era::TaoFlow => "2025-11",
            Era::BlockEmissionCap => "2025-12",
            Era::FeesToAuthor => "2026-02",
            Era::DecayBurn => "2026-04",
            Era::NetTaoFlow => "2026-05",
            Era::Current => "2026-06",
        }
    }

    pub fn from_name(name: &str) -> Option<Era> {
        Era::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The rules in force in this era. Later eras change one or two mechanisms each.
    pub fn rules(self) -> Rules {
        use Era::*;
        let at_least = |e: Era| self >= e;
        Rules {
            era: self,
            emission_split: match self {
                PreDtao => EmissionSplit::RootWeights,
                DtaoLaunch | EmaRamp | SwapV3 | Subsidy => EmissionSplit::PriceEma,
                TaoFlow | BlockEmissionCap | FeesToAuthor | DecayBurn => EmissionSplit::TaoFlow,
                NetTaoFlow => EmissionSplit::NetTaoFlow,
                Current => EmissionSplit::PriceEmaMinerBurn,
            },
            amm: match self {
                PreDtao | DtaoLaunch | EmaRamp => Amm::ConstantProductFlatFee,
                Current => Amm::Balancer,
                _ => Amm::ConstantProductFeeRate,
            },
            injection: match self {
                PreDtao => Injection::None,
                DtaoLaunch | EmaRamp | SwapV3 => Injection::LaunchUncapped,
                Subsidy => Injection::Subsidy,
                TaoFlow => Injection::CapAlphaEmissionRecycle,
                BlockEmissionCap | FeesToAuthor | DecayBurn => Injection::CapBlockEmissionRecycle,
                NetTaoFlow => Injection::CapBlockEmissionKeep,
                Current => Injection::CapRootPropKeep,
            },
            root_dividends: match self {
                PreDtao => RootDividends::None,
                _ if at_least(TaoFlow) => RootDividends::Claimable,
                _ => RootDividends::SoldEveryBlock,
            },
            neuron_burn: match self {
                PreDtao => NeuronBurn::IntervalRecycled,
                _ if at_least(DecayBurn) => NeuronBurn::DecayAndBump,
                _ => NeuronBurn::IntervalSwapRecycleAlpha,
            },
            lock_handling: match self {
                PreDtao => LockHandling::Locked,
                _ if at_least(DecayBurn) => LockHandling::PoolAtMedianPrice,
                _ => LockHandling::SeedMinLockRecycleRest,
            },
            epoch_schedule: if at_least(Current) {
                EpochSchedule::Tempo
            } else {
                EpochSchedule::Legacy
            },
            moving_price: match self {
                PreDtao | DtaoLaunch => MovingPrice::Capped,
                _ => MovingPrice::CappedRamped,
            },
            fee_destination: if at_least(FeesToAuthor) {
                FeeDestination::BlockAuthor
            } else {
                FeeDestination::Recycled
            },
        }
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The variant of every mechanism in force at one block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// The preset these rules started from (overrides may have changed single mechanisms).
    pub era: Era,
    pub emission_split: EmissionSplit,
    pub amm: Amm,
    pub injection: Injection,
    pub root_dividends: RootDividends,
    pub neuron_burn: NeuronBurn,
    pub lock_handling: LockHandling,
    pub epoch_schedule: EpochSchedule,
    pub moving_price: MovingPrice,
    pub fee_destination: FeeDestination,
}

impl Default for Rules {
    fn default() -> Self {
        Era::Current.rules()
    }
}

/// One mechanism set to one variant, from a scenario override or a rule-switch event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuleOverride {
    EmissionSplit(EmissionSplit),
    Amm(Amm),
    Injection(Injection),
    RootDividends(RootDividends),
    NeuronBurn(NeuronBurn),
    LockHandling(LockHandling),
    EpochSchedule(EpochSchedule),
    MovingPrice(MovingPrice),
    FeeDestination(FeeDestination),
}

impl Rules {
    pub fn apply(&mut self, o: RuleOverride) {
        match o {
            RuleOverride::EmissionSplit(v) => self.emission_split = v,
            RuleOverride::Amm(v) => self.amm = v,
            RuleOverride::Injection(v) => self.injection = v,
            RuleOverride::RootDividends(v) => self.root_dividends = v,
            RuleOverride::NeuronBurn(v) => self.neuron_burn = v,
            RuleOverride::LockHandling(v) => self.lock_handling = v,
            RuleOverride::EpochSchedule(v) => self.epoch_schedule = v,
            RuleOverride::MovingPrice(v) => self.moving_price = v,
            RuleOverride::FeeDestination(v) => self.fee_destination = v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn era_names_round_trip() {
        for era in Era::ALL {
            assert_eq!(Era::from_name(era.name()), Some(era));
            assert_eq!(era.rules().era, era);
        }
        assert_eq!(Era::from_name("2027-01"), None);
    }

    #[test]
    fn eras_follow_the_timeline() {
        assert_eq!(
            Era::PreDtao.rules().emission_split,
            EmissionSplit::RootWeights
        );
        assert_eq!(Era::DtaoLaunch.rules().amm, Amm::ConstantProductFlatFee);
        assert_eq!(
            Era::TaoFlow.rules().root_dividends,
            RootDividends::Claimable
        );
        assert_eq!(Era::DecayBurn.rules().neuron_burn, NeuronBurn::DecayAndBump);
        let current = Rules::default();
        assert_eq!(current.emission_split, EmissionSplit::PriceEmaMinerBurn);
        assert_eq!(current.amm, Amm::Balancer);
        assert_eq!(current.epoch_schedule, EpochSchedule::Tempo);
        assert_eq!(current.injection, Injection::CapRootPropKeep);
    }

    #[test]
    fn overrides_change_one_mechanism() {
        let mut r = Rules::default();
        r.apply(RuleOverride::EmissionSplit(EmissionSplit::TaoFlow));
        assert_eq!(r.emission_split, EmissionSplit::TaoFlow);
        assert_eq!(r.amm, Amm::Balancer);
    }
}
