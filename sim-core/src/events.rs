//! Scheduled scenario events and recurring flows, applied in the extrinsics phase.

use crate::ledger::{Holder, RecycleReason};
use crate::rules::{Era, RuleOverride};
use crate::units::{BlockNumber, NetUid, Tao};

/// What a scheduled event does.
#[derive(Clone, Debug, PartialEq)]
pub enum EventAction {
    /// Take TAO from a holder and remove it from issuance.
    Recycle {
        amount: Tao,
        reason: RecycleReason,
        from: Holder,
    },
    /// Change a global parameter (see [`crate::params::PARAMS`]).
    SetParam { name: String, value: u64 },
    /// Switch every mechanism to an era's preset.
    SwitchEra(Era),
    /// Switch one mechanism.
    OverrideRule(RuleOverride),
    /// Blocks from here on are this many milliseconds apart.
    SetBlockTime { block_ms: u64 },
    /// The chain stops for this long before the event's block is produced.
    Halt { duration_ms: u64 },
    /// A wave of burned neuron registrations by one coldkey, one new hotkey each
    /// (`burned_register`); each is recorded in the `registrations` trace, rejected or not.
    RegisterNeurons {
        netuid: NetUid,
        count: u32,
        coldkey: String,
    },
    /// A subnet registration (`register_network`) with a new owner hotkey; `lock`, when given,
    /// is paid instead of the lock cost rule's price.
    RegisterSubnet {
        coldkey: String,
        hotkey: String,
        tempo: u16,
        lock: Option<Tao>,
    },
    /// Starts a recurring registration demand on a range of subnets (see
    /// [`crate::registration::demand`]).
    RegistrationDemand(crate::registration::demand::DemandSpec),
    /// The owner's start call (`start_call`).
    StartCall { netuid: NetUid, coldkey: String },
    /// Dissolve a subnet (`do_dissolve_network`), paying its stakers out of its pool.
    DissolveSubnet { netuid: NetUid },
    /// A coldkey stakes TAO on a hotkey on a subnet (`add_stake`); a hotkey not seen before is
    /// created, owned by the coldkey.
    AddStake {
        coldkey: String,
        hotkey: String,
        netuid: NetUid,
        tao: Tao,
    },
    /// A coldkey unstakes alpha (`remove_stake`), or everything it has on the hotkey there.
    RemoveStake {
        coldkey: String,
        hotkey: String,
        netuid: NetUid,
        /// `None`: all of it.
        alpha: Option<u64>,
    },
    /// A coldkey moves alpha from one (hotkey, subnet) position to another (`move_stake`);
    /// across subnets it is sold and bought back.
    MoveStake {
        coldkey: String,
        hotkey: String,
        netuid: NetUid,
        to_hotkey: String,
        to_netuid: NetUid,
        /// `None`: all of it.
        alpha: Option<u64>,
    },
    /// A coldkey sells all its stake on a hotkey on every subnet (`unstake_all`).
    UnstakeAll { coldkey: String, hotkey: String },
}

/// An action at a block. Events at the same block run in scenario order.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduledEvent {
    pub at_block: BlockNumber,
    pub action: EventAction,
}

/// A steady recycling rate, e.g. "registration burns at 250 TAO a day".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecycleFlow {
    pub reason: RecycleReason,
    pub from: Holder,
    /// Rao per day of 86,400 s at the block time in force.
    pub rao_per_day: u64,
    pub from_block: BlockNumber,
    /// Last block included; `None` runs to the end.
    pub until_block: Option<BlockNumber>,
}

impl RecycleFlow {
    /// Rao to recycle this block. `carry` holds the fractional remainder (in rao x ms) so that
    /// over a day exactly `rao_per_day` leaves, whatever the block time.
    pub fn amount_this_block(&self, block: BlockNumber, block_ms: u64, carry: &mut u128) -> Tao {
        let active = block >= self.from_block && self.until_block.is_none_or(|u| block <= u);
        if !active {
            return Tao::ZERO;
        }
        const MS_PER_DAY: u128 = 86_400_000;
        *carry += self.rao_per_day as u128 * block_ms as u128;
        let whole = *carry / MS_PER_DAY;
        *carry %= MS_PER_DAY;
        Tao(whole as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_of_blocks_recycles_exactly_the_daily_rate() {
        let flow = RecycleFlow {
            reason: RecycleReason::ScenarioEvent,
            from: Holder::Unmodelled,
            rao_per_day: 1_000_000_007,
            from_block: 10,
            until_block: Some(10 + 7_199),
        };
        let mut carry = 0;
        let total: u64 = (0..20_000)
            .map(|b| flow.amount_this_block(b, 12_000, &mut carry).0)
            .sum();
        assert_eq!(total, 1_000_000_007);
    }
}
