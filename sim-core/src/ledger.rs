//! The global TAO ledger: `TotalIssuance`, free balances per coldkey, and every recycle by reason.
//!
//! Invariant (spec 1.2, house rule 11): total issuance = free balances + TAO held by the
//! unmodelled rest of the network + pool TAO + locks. Issuance only grows by minting and only
//! shrinks by a recorded recycle.

use crate::units::{ColdkeyId, Tao};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why TAO left total issuance. Each has its own column in the `network` trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecycleReason {
    /// Neuron registration burns (pre-dTAO: recycled out of issuance).
    RegistrationBurn,
    /// Subnet registration locks not kept in a pool.
    SubnetLock,
    /// The part of the block's minted credit no subnet took (dust, disabled subnets, root's share).
    UnspentEmission,
    /// Transaction and swap fees, in the eras that destroyed them.
    Fees,
    /// Coldkey and hotkey swap costs.
    KeySwap,
    /// The subnet account's leftover on dissolution.
    Dissolution,
    /// Scheduled or recurring recycling stated by a scenario.
    ScenarioEvent,
}

impl RecycleReason {
    pub const ALL: [RecycleReason; 7] = [
        RecycleReason::RegistrationBurn,
        RecycleReason::SubnetLock,
        RecycleReason::UnspentEmission,
        RecycleReason::Fees,
        RecycleReason::KeySwap,
        RecycleReason::Dissolution,
        RecycleReason::ScenarioEvent,
    ];
    pub const COUNT: usize = Self::ALL.len();

    pub fn name(self) -> &'static str {
        match self {
            RecycleReason::RegistrationBurn => "registration_burn",
            RecycleReason::SubnetLock => "subnet_lock",
            RecycleReason::UnspentEmission => "unspent_emission",
            RecycleReason::Fees => "fees",
            RecycleReason::KeySwap => "key_swap",
            RecycleReason::Dissolution => "dissolution",
            RecycleReason::ScenarioEvent => "scenario_event",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for RecycleReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who holds TAO that a mechanism or an event takes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Holder {
    /// A modelled coldkey's free balance.
    Account(ColdkeyId),
    /// The part of the network the scenario does not model one by one (see [`Ledger::unmodelled`]).
    Unmodelled,
}

/// A ledger operation that would break conservation; the engine reports it as a rejection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("{holder} holds {available}, cannot take {requested}")]
    InsufficientBalance {
        holder: String,
        available: Tao,
        requested: Tao,
    },
    #[error("minting {amount} would overflow total issuance")]
    Overflow { amount: Tao },
    #[error("account `{0}` already exists")]
    DuplicateAccount(String),
}

/// Cumulative TAO recycled, per reason.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecycleLedger {
    by_reason: [u64; RecycleReason::COUNT],
}

impl RecycleLedger {
    pub fn record(&mut self, reason: RecycleReason, amount: Tao) {
        self.by_reason[reason.index()] = self.by_reason[reason.index()].saturating_add(amount.0);
    }
    pub fn get(&self, reason: RecycleReason) -> Tao {
        Tao(self.by_reason[reason.index()])
    }
    pub fn total(&self) -> Tao {
        Tao(self
            .by_reason
            .iter()
            .fold(0u64, |a, b| a.saturating_add(*b)))
    }
    /// Per-reason totals in [`RecycleReason::ALL`] order.
    pub fn as_array(&self) -> [u64; RecycleReason::COUNT] {
        self.by_reason
    }
}

/// The global TAO ledger.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Ledger {
    /// `TotalIssuance`.
    total_issuance: Tao,
    /// Coldkey names, indexed by [`ColdkeyId`].
    coldkeys: Vec<String>,
    /// Coldkey id by name (runs with tens of thousands of agents look names up).
    by_name: std::collections::BTreeMap<String, ColdkeyId>,
    /// Free balance per coldkey, indexed by [`ColdkeyId`].
    free: Vec<Tao>,
    /// TAO held by everything the scenario does not model one by one: the free balances and
    /// stake of unnamed holders and, in an issuance-only run, the pools of all subnets.
    unmodelled: Tao,
    /// All TAO minted since the start of the run.
    minted: Tao,
    recycled: RecycleLedger,
}

impl Ledger {
    /// A ledger at `total_issuance`: the named accounts hold their balances, pools and locks
    /// hold `in_pools_and_locks`, and the unmodelled rest holds the remainder.
    pub fn new(
        total_issuance: Tao,
        accounts: &[(String, Tao)],
        in_pools_and_locks: Tao,
    ) -> Result<Self, LedgerError> {
        let named = accounts
            .iter()
            .try_fold(in_pools_and_locks, |acc, (_, b)| acc.checked_add(*b));
        let named = named.ok_or(LedgerError::Overflow {
            amount: total_issuance,
        })?;
        let unmodelled =
            total_issuance
                .checked_sub(named)
                .ok_or(LedgerError::InsufficientBalance {
                    holder: "total issuance".into(),
                    available: total_issuance,
                    requested: named,
                })?;
        Ok(Self {
            total_issuance,
            coldkeys: accounts.iter().map(|(n, _)| n.clone()).collect(),
            by_name: accounts
                .iter()
                .enumerate()
                .map(|(i, (n, _))| (n.clone(), ColdkeyId(i as u32)))
                .collect(),
            free: accounts.iter().map(|(_, b)| *b).collect(),
            unmodelled,
            minted: Tao::ZERO,
            recycled: RecycleLedger::default(),
        })
    }

    pub fn total_issuance(&self) -> Tao {
        self.total_issuance
    }
    pub fn unmodelled(&self) -> Tao {
        self.unmodelled
    }
    pub fn minted(&self) -> Tao {
        self.minted
    }
    pub fn recycled(&self) -> &RecycleLedger {
        &self.recycled
    }
    pub fn coldkey_id(&self, name: &str) -> Option<ColdkeyId> {
        self.by_name.get(name).copied()
    }
    /// Starts the minted and recycled totals afresh (a run from a saved state counts from its
    /// own start).
    pub fn reset_totals(&mut self) {
        self.minted = Tao::ZERO;
        self.recycled = RecycleLedger::default();
    }

    /// A new named account holding `balance`, taken from the unmodelled rest of issuance.
    pub fn add_account(&mut self, name: &str, balance: Tao) -> Result<ColdkeyId, LedgerError> {
        if self.by_name.contains_key(name) {
            return Err(LedgerError::DuplicateAccount(name.to_string()));
        }
        self.debit(Holder::Unmodelled, balance)?;
        let id = ColdkeyId(self.coldkeys.len() as u32);
        self.coldkeys.push(name.to_string());
        self.free.push(balance);
        self.by_name.insert(name.to_string(), id);
        Ok(id)
    }

    /// Named accounts so far.
    pub fn accounts(&self) -> usize {
        self.coldkeys.len()
    }

    pub fn coldkey_name(&self, id: ColdkeyId) -> &str {
        &self.coldkeys[id.0 as usize]
    }
    pub fn free_balance(&self, id: ColdkeyId) -> Tao {
        self.free[id.0 as usize]
    }
    pub fn free_total(&self) -> Tao {
        Tao(self.free.iter().map(|b| b.0).sum())
    }

    /// Mints `amount` of new TAO (`mint_tao`): issuance grows and the caller must place it.
    /// Returns the credit to place; it is only valid to pass it to [`Ledger::credit`] or
    /// [`Ledger::recycle_credit`].
    pub fn mint(&mut self, amount: Tao) -> Result<Tao, LedgerError> {
        self.total_issuance = self
            .total_issuance
            .checked_add(amount)
            .ok_or(LedgerError::Overflow { amount })?;
        self.minted = self.minted.saturating_add(amount);
        Ok(amount)
    }

    /// Places minted credit with a holder.
    pub fn credit(&mut self, to: Holder, amount: Tao) {
        let slot = self.slot(to);
        *slot = slot.saturating_add(amount);
    }

    /// Recycles unplaced minted credit (`recycle_credit`): issuance falls, nobody's balance does.
    pub fn recycle_credit(&mut self, amount: Tao, reason: RecycleReason) {
        self.total_issuance = self.total_issuance.saturating_sub(amount);
        self.recycled.record(reason, amount);
    }

    /// Takes `amount` from a holder and removes it from issuance (`recycle_tao`).
    pub fn recycle(
        &mut self,
        from: Holder,
        amount: Tao,
        reason: RecycleReason,
    ) -> Result<(), LedgerError> {
        self.debit(from, amount)?;
        self.recycle_credit(amount, reason);
        Ok(())
    }

    /// Takes `amount` from a holder without changing issuance (the caller moves it elsewhere).
    pub fn debit(&mut self, from: Holder, amount: Tao) -> Result<(), LedgerError> {
        let name = self.holder_name(from);
        let slot = self.slot(from);
        let left = slot
            .checked_sub(amount)
            .ok_or(LedgerError::InsufficientBalance {
                holder: name,
                available: *slot,
                requested: amount,
            })?;
        *slot = left;
        Ok(())
    }

    pub fn holder_name(&self, h: Holder) -> String {
        match h {
            Holder::Account(id) => format!("coldkey `{}`", self.coldkey_name(id)),
            Holder::Unmodelled => "the unmodelled rest of the network".into(),
        }
    }

    fn slot(&mut self, h: Holder) -> &mut Tao {
        match h {
            Holder::Account(id) => &mut self.free[id.0 as usize],
            Holder::Unmodelled => &mut self.unmodelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger() -> Ledger {
        Ledger::new(
            Tao::from_tokens(100),
            &[("alice".into(), Tao::from_tokens(10))],
            Tao::ZERO,
        )
        .unwrap()
    }

    #[test]
    fn the_rest_holds_the_remainder() {
        let l = ledger();
        assert_eq!(l.unmodelled(), Tao::from_tokens(90));
        assert_eq!(l.free_total(), Tao::from_tokens(10));
        assert!(Ledger::new(
            Tao::from_tokens(1),
            &[("a".into(), Tao::from_tokens(2))],
            Tao::ZERO
        )
        .is_err());
        let with_pools = Ledger::new(Tao::from_tokens(10), &[], Tao::from_tokens(4)).unwrap();
        assert_eq!(with_pools.unmodelled(), Tao::from_tokens(6));
    }

    #[test]
    fn recycle_lowers_issuance_and_records_the_reason() {
        let mut l = ledger();
        let alice = l.coldkey_id("alice").unwrap();
        l.recycle(
            Holder::Account(alice),
            Tao::from_tokens(3),
            RecycleReason::KeySwap,
        )
        .unwrap();
        assert_eq!(l.total_issuance(), Tao::from_tokens(97));
        assert_eq!(
            l.recycled().get(RecycleReason::KeySwap),
            Tao::from_tokens(3)
        );
        assert_eq!(l.recycled().total(), Tao::from_tokens(3));
        let err = l.recycle(
            Holder::Account(alice),
            Tao::from_tokens(8),
            RecycleReason::KeySwap,
        );
        assert!(err
            .unwrap_err()
            .to_string()
            .contains("coldkey `alice` holds 7 TAO"));
        assert_eq!(
            l.total_issuance(),
            Tao::from_tokens(97),
            "a refused recycle changes nothing"
        );
    }

    #[test]
    fn mint_then_credit_keeps_the_books() {
        let mut l = ledger();
        let c = l.mint(Tao::from_tokens(1)).unwrap();
        l.credit(Holder::Unmodelled, c);
        assert_eq!(l.total_issuance(), Tao::from_tokens(101));
        assert_eq!(l.unmodelled(), Tao::from_tokens(91));
        assert_eq!(l.minted(), Tao::from_tokens(1));
    }
}
