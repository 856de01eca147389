//! Validators: they stake on their own hotkey, register, set their take, and every few tempos
//! set weights by one of four styles: honest (measured quality with noise), lazy (stale
//! weights, then inactive), copier (last epoch's consensus) and cabal (only the miners of the
//! populations it favours).

use crate::dist::{standard_normal, Dist};
use crate::market::rao;
use sim_core::agent::{Action, Agent, AgentKeys};
use sim_core::neurons::HotkeyId;
use sim_core::rng::SimRng;
use sim_core::units::{BlockNumber, ColdkeyId, NetUid, Tao};
use sim_core::view::NetworkView;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Honest,
    Lazy,
    Copier,
    Cabal,
}

impl Style {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "honest" => Style::Honest,
            "lazy" => Style::Lazy,
            "copier" => Style::Copier,
            "cabal" => Style::Cabal,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ValidatorConfig {
    pub style: Style,
    /// The subnet of this validator (the population spreads over its subnets in turn).
    pub netuid: NetUid,
    /// TAO staked on its own hotkey at the start (alpha bought through the pool).
    pub stake_tao: Dist,
    /// Standard deviation of the measurement noise on each miner's quality.
    pub noise: f64,
    /// Delegate take, u16 / 65535.
    pub take: u16,
    /// Set weights every this many tempos.
    pub update_every_tempos: u64,
    /// Stop setting weights this many blocks after the start (lazy validators going inactive).
    pub inactive_after_blocks: Option<u64>,
    /// Cabal: the miner populations (hotkey name prefixes) it gives all its weight to.
    pub favour: Vec<String>,
}

pub struct Validator {
    name: String,
    cfg: ValidatorConfig,
    stake: Tao,
    coldkey: ColdkeyId,
    hotkey: HotkeyId,
    start: Option<BlockNumber>,
    /// The score buffer, reused.
    scores: Vec<f64>,
}

impl Validator {
    pub fn new(name: String, cfg: ValidatorConfig) -> Self {
        Self {
            name,
            cfg,
            stake: Tao::ZERO,
            coldkey: ColdkeyId(0),
            hotkey: HotkeyId(0),
            start: None,
            scores: Vec::new(),
        }
    }

    /// The weights this validator would set now, as (uid, u16) pairs over the UIDs it scores.
    pub fn weights(&mut self, view: &NetworkView, rng: &mut SimRng) -> Vec<(u16, u16)> {
        let Some(s) = view.subnet(self.cfg.netuid) else {
            return Vec::new();
        };
        let nr = &s.neurons;
        let me = nr.uid_of(self.hotkey);
        self.scores.clear();
        match self.cfg.style {
            Style::Honest | Style::Lazy => {
                // Every UID that serves something, other than itself, is measured with one
                // noise draw, in UID order; the rest score 0 and draw nothing. The qualities
                // are read first, in a loop of independent loads: the UIDs' hotkeys are spread
                // over the network's quality table, and with a draw between two reads the
                // cache misses came one at a time.
                self.scores
                    .extend(nr.hotkeys().iter().map(|hk| view.quality(*hk)));
                for (uid, s) in self.scores.iter_mut().enumerate() {
                    let q = *s;
                    *s = if q > 0.0 && Some(uid as u16) != me {
                        (q + self.cfg.noise * standard_normal(rng)).max(0.0)
                    } else {
                        0.0
                    };
                }
            }
            Style::Copier => self
                .scores
                .extend(nr.consensus.iter().map(|c| f64::from(*c))),
            Style::Cabal => {
                for hk in nr.hotkeys() {
                    let name = &view.network().hotkeys[hk.0 as usize].name;
                    let favoured = self.cfg.favour.iter().any(|p| {
                        name.strip_prefix(p.as_str())
                            .is_some_and(|r| r.starts_with('#'))
                    });
                    self.scores.push(if favoured { 1.0 } else { 0.0 });
                }
            }
        }
        to_u16_weights(&self.scores)
    }
}

/// Scores to weight pairs: each positive score over the largest, in u16; zeros left out.
pub fn to_u16_weights(scores: &[f64]) -> Vec<(u16, u16)> {
    #[cfg(target_arch = "x86_64")]
    if let Some(weights) = crate::weights_avx2::to_u16_weights(scores) {
        return weights;
    }
    plain_u16_weights(scores)
}

/// [`to_u16_weights`] one score at a time: the reference, and what runs without AVX2.
fn plain_u16_weights(scores: &[f64]) -> Vec<(u16, u16)> {
    let max = scores.iter().copied().fold(0.0f64, f64::max);
    if max <= 0.0 {
        return Vec::new();
    }
    // Sized for every UID at once: a collect through the filters would grow it step by step.
    let mut weights = Vec::with_capacity(scores.len());
    weights.extend(
        scores
            .iter()
            .enumerate()
            .filter(|(_, s)| **s > 0.0)
            .map(|(uid, s)| (uid as u16, round_to_u16((s / max) * f64::from(u16::MAX))))
            .filter(|(_, w)| *w > 0),
    );
    weights
}

/// `x.round() as u16` (half away from zero, saturating, NaN to 0) without libm's `round`, which
/// baseline x86-64 calls as a function: for 0 <= x < 2^32 the fraction `x - trunc(x)` is exact.
pub(crate) fn round_to_u16(x: f64) -> u16 {
    let whole = x as u32; // truncates; NaN and negatives give 0, saturates above
    let up = u32::from(x - f64::from(whole) >= 0.5);
    whole.saturating_add(up).min(u32::from(u16::MAX)) as u16
}

impl Agent for Validator {
    fn kind(&self) -> &'static str {
        "validator"
    }

    fn init(&mut self, rng: &mut SimRng) {
        self.stake = Tao(rao(self.cfg.stake_tao.sample(rng)));
    }

    fn keys(&self) -> AgentKeys {
        // The stake plus room for the registration burn and fees.
        let funds = self.stake.0.saturating_add(rao(100.0));
        AgentKeys {
            coldkey: (self.name.clone(), Tao(funds)),
            hotkeys: vec![self.name.clone()],
        }
    }

    fn bind(&mut self, coldkey: ColdkeyId, hotkeys: &[HotkeyId]) {
        self.coldkey = coldkey;
        self.hotkey = hotkeys[0];
    }

    fn act(&mut self, view: &NetworkView, rng: &mut SimRng, out: &mut Vec<Action>) -> BlockNumber {
        let block = view.block();
        let netuid = self.cfg.netuid;
        let tempo = view
            .subnet(netuid)
            .map_or(360, |s| u64::from(s.clock.tempo))
            .max(1);
        let start = *self.start.get_or_insert(block);
        if view.uid(netuid, self.hotkey).is_none() {
            // Not (or no longer) registered: register, stake, set the take; weights next tempo.
            out.push(Action::RegisterNeuron {
                netuid,
                hotkey: self.hotkey,
            });
            if view.stake(self.coldkey, self.hotkey, netuid) == 0 && self.stake.0 > 0 {
                out.push(Action::AddStake {
                    hotkey: self.hotkey,
                    netuid,
                    tao: self.stake,
                });
            }
            out.push(Action::SetTake {
                hotkey: self.hotkey,
                take: self.cfg.take,
            });
            return block + tempo;
        }
        let active = self
            .cfg
            .inactive_after_blocks
            .is_none_or(|after| block < start + after);
        if active {
            let weights = self.weights(view, rng);
            if !weights.is_empty() {
                out.push(Action::SetWeights {
                    netuid,
                    hotkey: self.hotkey,
                    weights,
                });
            }
        }
        block + tempo * self.cfg.update_every_tempos.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn scores_scale_to_u16_with_zeros_left_out() {
        assert_eq!(
            to_u16_weights(&[0.0, 0.5, 1.0, 0.25]),
            vec![(1, 32_768), (2, 65_535), (3, 16_384)]
        );
        assert!(to_u16_weights(&[0.0, 0.0]).is_empty());
    }

    /// Against the same filters with libm's `round()`.
    #[test]
    fn to_u16_weights_equals_the_filtered_rounding() {
        let reference = |scores: &[f64]| -> Vec<(u16, u16)> {
            let max = scores.iter().copied().fold(0.0f64, f64::max);
            if max <= 0.0 {
                return Vec::new();
            }
            scores
                .iter()
                .enumerate()
                .filter(|(_, s)| **s > 0.0)
                .map(|(uid, s)| (uid as u16, ((s / max) * f64::from(u16::MAX)).round() as u16))
                .filter(|(_, w)| *w > 0)
                .collect()
        };
        let mut rng = sim_core::rng::named_stream(9, "weights");
        for case in 0..2000 {
            let n = rng.gen_range(0..300usize);
            let scores: Vec<f64> = (0..n)
                .map(|_| match rng.gen_range(0..6) {
                    0 => 0.0,
                    1 => -rng.gen::<f64>(),
                    2 => rng.gen::<f64>() * 1e-6, // rounds to 0 next to a score near 1
                    _ => rng.gen::<f64>(),
                })
                .collect();
            assert_eq!(to_u16_weights(&scores), reference(&scores), "case {case}");
        }
    }

    /// The AVX2 form (where this processor has it) against the plain one, on every length up
    /// to 300 around each block size, with the values that take the edges: zeros of both signs,
    /// negatives, NaN, infinities (the kernel declines), subnormals, scores that round to 0 or
    /// sit at a half, and maxima in the tail.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn weights_avx2_is_the_plain_form() {
        if !std::is_x86_feature_detected!("avx2") {
            return;
        }
        let mut rng = sim_core::rng::named_stream(11, "weights avx2");
        let mut declined = 0;
        for case in 0..40_000 {
            let n = if case < 1200 {
                case % 300
            } else {
                rng.gen_range(0..300usize)
            };
            let max = 0.5 + rng.gen::<f64>();
            let scores: Vec<f64> = (0..n)
                .map(|_| match rng.gen_range(0..40) {
                    0 => 0.0,
                    1 => -0.0,
                    2 => -rng.gen::<f64>(),
                    3 if case % 7 == 0 => f64::NAN,
                    4 if case % 101 == 0 => f64::INFINITY,
                    5 if case % 53 == 0 => f64::NEG_INFINITY,
                    6 => f64::MIN_POSITIVE * rng.gen::<f64>(),
                    7 => max * rng.gen::<f64>() * 1e-5,
                    // a quotient at a half of the u16 scale, and its neighbours
                    8 => {
                        let h = (f64::from(rng.gen_range(0..65535u32)) + 0.5) / 65535.0 * max;
                        [h, h.next_up(), h.next_down()][rng.gen_range(0..3)]
                    }
                    9 => max,
                    _ => max * rng.gen::<f64>(),
                })
                .collect();
            match crate::weights_avx2::to_u16_weights(&scores) {
                Some(w) => assert_eq!(w, plain_u16_weights(&scores), "case {case}: {scores:?}"),
                None => declined += 1,
            }
        }
        assert!(declined > 0 && declined < 1000, "{declined} declined");
        assert_eq!(
            crate::weights_avx2::to_u16_weights(&vec![1.0; 65_537]),
            None
        );
    }

    #[test]
    fn round_to_u16_is_round_as_u16() {
        let mut xs = vec![
            0.0,
            -0.0,
            -0.5,
            -3.7,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            65535.0,
            65535.49,
            65535.5,
            1e10,
            4294967295.5,
            f64::MIN_POSITIVE,
        ];
        for k in 0..=65536u32 {
            let half = f64::from(k) + 0.5;
            xs.extend([half, half.next_up(), half.next_down(), f64::from(k)]);
        }
        let mut rng = sim_core::rng::named_stream(5, "round");
        xs.extend((0..1_000_000).map(|_| rng.gen::<f64>() * 65535.0));
        for x in xs {
            assert_eq!(round_to_u16(x), x.round() as u16, "{x:e}");
        }
    }
}
