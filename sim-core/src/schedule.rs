//! When each subnet's epoch runs (spec 2.7), in both schedules the chain has used.
//!
//! Mirrors `coinbase/run_coinbase.rs::drain_pending` and `should_run_epoch`: the legacy rule
//! (read at `486037ba4`) fires when `blocks_until_next_epoch` = `tempo - (block + netuid + 1) %
//! (tempo + 1)` is 0, i.e. when the remainder equals `tempo` (the spec's "remainder == 0" is off by
//! one; the chain's own doc table, tempo 100 / netuid 0 -> block 99, settles it); the current
//! stateful scheduler fires every `tempo` blocks after `LastEpochBlock`, on an owner-triggered
//! `PendingEpochAt`, or after `MAX_TEMPO` blocks without a step, with at most
//! `MaxEpochsPerBlock` epochs per block (the rest deferred one block).

use crate::rules::EpochSchedule;
use crate::units::{BlockNumber, NetUid};

/// `MAX_TEMPO`: a subnet that has not stepped for longer runs regardless.
pub const MAX_TEMPO: u64 = 50_400;

/// Per-subnet scheduler state (`Tempo`, `LastEpochBlock`, `PendingEpochAt`,
/// `BlocksSinceLastStep`, `LastMechansimStepBlock`, `SubnetEpochIndex`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EpochClock {
    pub tempo: u16,
    pub last_epoch_block: BlockNumber,
    /// 0 = none pending.
    pub pending_epoch_at: BlockNumber,
    pub blocks_since_last_step: u64,
    /// The block of the last epoch that ran (0 = never); Yuma's bond mask reads it.
    pub last_mechanism_step_block: BlockNumber,
    pub epoch_index: u64,
}

impl EpochClock {
    /// A newly registered subnet (`init_new_network`): staggered by netuid so that subnets
    /// registered together do not all step on the same block.
    pub fn new_subnet(netuid: NetUid, tempo: u16, registered_at: BlockNumber) -> Self {
        let stagger = if tempo == 0 {
            0
        } else {
            u64::from(netuid.0) % u64::from(tempo)
        };
        Self {
            tempo,
            last_epoch_block: registered_at.saturating_sub(stagger),
            ..Self::default()
        }
    }

    /// Legacy `blocks_until_next_epoch == 0`.
    pub fn legacy_due(&self, netuid: NetUid, block: BlockNumber) -> bool {
        if self.tempo == 0 {
            return false;
        }
        let period = u64::from(self.tempo) + 1;
        block.wrapping_add(u64::from(netuid.0) + 1) % period == u64::from(self.tempo)
    }

    /// Current `should_run_epoch`.
    pub fn due(&self, block: BlockNumber) -> bool {
        if self.tempo == 0 {
            return false;
        }
        if self.pending_epoch_at > 0 && block >= self.pending_epoch_at {
            return true;
        }
        if self.blocks_since_last_step > MAX_TEMPO {
            return true;
        }
        block.saturating_sub(self.last_epoch_block) >= u64::from(self.tempo)
    }
}

/// One subnet's outcome at this block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpochDecision {
    /// Not due.
    Idle,
    /// Due and runs: drain the pending buckets and run the epoch.
    Run,
    /// Due but skipped: the keys map is inconsistent; buckets keep accumulating.
    Skipped,
    /// Due but over the per-block cap: retried next block (current schedule only).
    Deferred,
}

/// Decides, for every non-root subnet in netuid order, whether its epoch runs at `block`, and
/// advances each clock as `drain_pending` does. `consistent(netuid)` is
/// `is_epoch_input_state_consistent`. Writes one decision per subnet into `out`.
pub fn drain_schedule<F>(
    schedule: EpochSchedule,
    subnets: &mut [(NetUid, &mut EpochClock)],
    block: BlockNumber,
    max_epochs_per_block: u16,
    consistent: F,
    out: &mut Vec<(NetUid, EpochDecision)>,
) where
    F: Fn(NetUid) -> bool,
{
    out.clear();
    let mut ran = 0u32;
    for (netuid, clock) in subnets.iter_mut() {
        let decision = decide(
            schedule,
            *netuid,
            clock,
            block,
            max_epochs_per_block,
            &mut ran,
            consistent(*netuid),
        );
        out.push((*netuid, decision));
    }
}

/// One subnet's step of [`drain_schedule`]; call it for every non-root subnet in netuid order
/// with the same `ran` counter (epochs run so far this block).
pub fn decide(
    schedule: EpochSchedule,
    netuid: NetUid,
    clock: &mut EpochClock,
    block: BlockNumber,
    max_epochs_per_block: u16,
    ran: &mut u32,
    consistent: bool,
) -> EpochDecision {
    clock.blocks_since_last_step = clock.blocks_since_last_step.saturating_add(1);
    match schedule {
        EpochSchedule::Legacy => {
            if clock.legacy_due(netuid, block) && consistent {
                clock.blocks_since_last_step = 0;
                // Legacy wrote LastMechansimStepBlock here, before the epoch read it.
                clock.last_mechanism_step_block = block;
                EpochDecision::Run
            } else {
                EpochDecision::Idle
            }
        }
        EpochSchedule::Tempo => {
            if !clock.due(block) {
                EpochDecision::Idle
            } else if *ran >= u32::from(max_epochs_per_block) {
                clock.pending_epoch_at = block.saturating_add(1);
                EpochDecision::Deferred
            } else {
                let decision = if consistent {
                    clock.blocks_since_last_step = 0;
                    *ran += 1;
                    EpochDecision::Run
                } else {
                    EpochDecision::Skipped
                };
                // The slot is consumed either way.
                clock.last_epoch_block = block;
                clock.pending_epoch_at = 0;
                clock.epoch_index = clock.epoch_index.saturating_add(1);
                decision
            }
        }
    }
}

/// After a successful epoch's payouts (`distribute_emissions_to_subnets`), the current schedule
/// records the step; the legacy schedule already did in [`drain_schedule`].
pub fn record_step(schedule: EpochSchedule, clock: &mut EpochClock, block: BlockNumber) {
    if schedule == EpochSchedule::Tempo {
        clock.last_mechanism_step_block = block;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_fires_every_tempo_plus_one_with_a_netuid_offset() {
        // The chain's own table: tempo 100, netuid 0 first fires at block 99, netuid 1 at 98.
        let c = EpochClock {
            tempo: 100,
            ..Default::default()
        };
        let fires = |n: u16| {
            (0..400u64)
                .filter(|b| c.legacy_due(NetUid(n), *b))
                .collect::<Vec<_>>()
        };
        assert_eq!(fires(0), vec![99, 200, 301]);
        assert_eq!(fires(1)[0], 98);
        assert_eq!(fires(1)[1] - fires(1)[0], 101);
        assert!(
            !EpochClock::default().legacy_due(NetUid(1), 5),
            "tempo 0 never runs"
        );
    }

    #[test]
    fn the_current_schedule_runs_every_tempo_and_caps_epochs_per_block() {
        let mut a = EpochClock {
            tempo: 360,
            last_epoch_block: 1_000,
            ..Default::default()
        };
        let mut b = a;
        let mut c = a;
        let mut out = Vec::new();
        let mut subnets = [
            (NetUid(1), &mut a),
            (NetUid(2), &mut b),
            (NetUid(3), &mut c),
        ];
        drain_schedule(
            EpochSchedule::Tempo,
            &mut subnets,
            1_359,
            2,
            |_| true,
            &mut out,
        );
        assert!(out.iter().all(|(_, d)| *d == EpochDecision::Idle));
        drain_schedule(
            EpochSchedule::Tempo,
            &mut subnets,
            1_360,
            2,
            |_| true,
            &mut out,
        );
        assert_eq!(
            out,
            vec![
                (NetUid(1), EpochDecision::Run),
                (NetUid(2), EpochDecision::Run),
                (NetUid(3), EpochDecision::Deferred)
            ]
        );
        drain_schedule(
            EpochSchedule::Tempo,
            &mut subnets,
            1_361,
            2,
            |_| true,
            &mut out,
        );
        assert_eq!(
            out[2],
            (NetUid(3), EpochDecision::Run),
            "the deferred epoch runs next block"
        );
        assert_eq!(out[0].1, EpochDecision::Idle);
        assert_eq!(c.last_epoch_block, 1_361);
        assert_eq!(a.epoch_index, 1);
    }

    #[test]
    fn an_inconsistent_subnet_consumes_its_slot_without_running() {
        let mut a = EpochClock {
            tempo: 10,
            ..Default::default()
        };
        let mut out = Vec::new();
        let mut subnets = [(NetUid(1), &mut a)];
        drain_schedule(
            EpochSchedule::Tempo,
            &mut subnets,
            10,
            2,
            |_| false,
            &mut out,
        );
        assert_eq!(out[0].1, EpochDecision::Skipped);
        assert_eq!(a.last_epoch_block, 10);
        assert_eq!(
            a.blocks_since_last_step, 1,
            "only a successful step resets the counter"
        );
    }

    #[test]
    fn a_subnet_that_has_not_stepped_for_max_tempo_runs() {
        let c = EpochClock {
            tempo: 360,
            last_epoch_block: 100,
            blocks_since_last_step: MAX_TEMPO + 1,
            ..Default::default()
        };
        assert!(c.due(101));
    }

    #[test]
    fn new_subnets_are_staggered_by_netuid() {
        let c = EpochClock::new_subnet(NetUid(7), 360, 10_000);
        assert_eq!(c.last_epoch_block, 10_000 - 7);
        assert!(c.due(10_000 - 7 + 360));
    }
}
