//! The extrinsics of scenario events: registrations and staking on the network, each attempt
//! turned into a trace row with the chain's reason when it is refused (never fatal).

use super::Simulation;
use crate::lifecycle::ops::{register_neuron, register_subnet_at_lock, NeuronRequest};
use crate::neurons::{Hotkey, HotkeyId, DEFAULT_DELEGATE_TAKE};
use crate::stake::ops::{add_stake, move_stake, remove_stake, unstake_all, Receipt, StakeError};
use crate::trace::{ActionRow, RegistrationRow};
use crate::units::{Alpha, ColdkeyId, NetUid, Tao};

impl Simulation {
    pub(super) fn registration_row(
        &self,
        kind: &'static str,
        netuid: u16,
        coldkey: &str,
        hotkey: &str,
    ) -> RegistrationRow {
        RegistrationRow {
            block: self.network.block,
            time_ms: self.clock.time_of(self.network.block),
            kind,
            netuid,
            uid: None,
            coldkey: coldkey.to_string(),
            hotkey: hotkey.to_string(),
            price: 0,
            paid: 0,
            replaced: None,
            recycled: 0,
            outcome: "ok".to_string(),
        }
    }

    /// One staking extrinsic by names (`add_stake` when `tao` is given, else `remove_stake` of
    /// `alpha`, `Some(None)` meaning all); a hotkey not seen before is created for an
    /// `add_stake`, owned by the coldkey. A refusal is recorded with its reason, never fatal.
    pub(super) fn stake_action(
        &mut self,
        coldkey: &str,
        hotkey: &str,
        netuid: NetUid,
        tao: Option<Tao>,
        alpha: Option<Option<u64>>,
    ) -> ActionRow {
        let Some(ck) = self.network.ledger.coldkey_id(coldkey) else {
            let mut row = self.action_row(stake_kind(tao), coldkey, hotkey, netuid.0);
            row.outcome = format!("unknown coldkey `{coldkey}`");
            return row;
        };
        let found = self.network.hotkeys.iter().position(|h| h.name == hotkey);
        let hk = match (found, tao) {
            (Some(i), _) => HotkeyId(i as u32),
            (None, Some(_)) => {
                self.network.hotkeys.push(Hotkey {
                    name: hotkey.to_string(),
                    owner: ck,
                    delegate_take: DEFAULT_DELEGATE_TAKE,
                });
                HotkeyId(self.network.hotkeys.len() as u32 - 1)
            }
            (None, None) => {
                let mut row = self.action_row(stake_kind(tao), coldkey, hotkey, netuid.0);
                row.outcome = format!("unknown hotkey `{hotkey}`");
                return row;
            }
        };
        self.stake_by_id(ck, hk, netuid, tao, alpha)
    }

    /// [`Self::stake_action`] on known keys.
    pub(super) fn stake_by_id(
        &mut self,
        ck: ColdkeyId,
        hk: HotkeyId,
        netuid: NetUid,
        tao: Option<Tao>,
        alpha: Option<Option<u64>>,
    ) -> ActionRow {
        let mut row = self.action_row(
            stake_kind(tao),
            &self.network.ledger.coldkey_name(ck).to_string(),
            &self.network.hotkeys[hk.0 as usize].name.clone(),
            netuid.0,
        );
        let result = match (tao, alpha) {
            (Some(tao), _) => {
                row.amount = tao.0;
                add_stake(
                    &mut self.network,
                    &self.rules,
                    &self.params,
                    ck,
                    hk,
                    netuid,
                    tao,
                    None,
                )
            }
            (None, alpha) => {
                let amount = alpha
                    .flatten()
                    .unwrap_or_else(|| self.stake_held(netuid, hk, ck));
                row.amount = amount;
                remove_stake(
                    &mut self.network,
                    &self.rules,
                    &self.params,
                    ck,
                    hk,
                    netuid,
                    Alpha(amount),
                    None,
                )
            }
        };
        self.record_receipt(&mut row, result, tao.is_some());
        row
    }

    /// Writes a staking result into its row (alpha gained when `buys`, else TAO received) and
    /// keeps the RootClaimed watermarks in step with any root stake change.
    fn record_receipt(
        &mut self,
        row: &mut ActionRow,
        result: Result<Receipt, StakeError>,
        buys: bool,
    ) {
        match result {
            Ok(receipt) => {
                self.root_claimed.apply(&self.network, &receipt);
                row.result = if buys {
                    receipt.alpha_staked.0
                } else {
                    receipt.tao_received.0
                };
                row.fee_tao = receipt.fee_tao.0;
            }
            Err(e) => row.outcome = e.to_string(),
        }
    }

    /// A coldkey's stake on a hotkey on a subnet (0 when there is none).
    fn stake_held(&self, netuid: NetUid, hotkey: HotkeyId, coldkey: ColdkeyId) -> u64 {
        self.network
            .subnets
            .iter()
            .find(|s| s.netuid == netuid)
            .and_then(|s| s.pools.get(&hotkey))
            .map_or(0, |p| p.stake_of(&coldkey))
    }

    pub(super) fn action_row(
        &self,
        kind: &'static str,
        coldkey: &str,
        hotkey: &str,
        netuid: u16,
    ) -> ActionRow {
        ActionRow {
            block: self.network.block,
            time_ms: self.clock.time_of(self.network.block),
            agent: None,
            kind,
            coldkey: coldkey.to_string(),
            hotkey: hotkey.to_string(),
            netuid,
            amount: 0,
            result: 0,
            fee_tao: 0,
            outcome: "ok".to_string(),
        }
    }

    /// `move_stake` (with a destination) or `unstake_all` (without); a refusal is recorded.
    pub(super) fn move_or_unstake_all(
        &mut self,
        coldkey: &str,
        hotkey: &str,
        destination: Option<(NetUid, &str, NetUid, Option<u64>)>,
    ) -> ActionRow {
        let kind = if destination.is_some() {
            "move_stake"
        } else {
            "unstake_all"
        };
        let netuid = destination.map_or(0, |d| d.0 .0);
        let mut row = self.action_row(kind, coldkey, hotkey, netuid);
        let find = |name: &str| {
            self.network
                .hotkeys
                .iter()
                .position(|h| h.name == name)
                .map(|i| HotkeyId(i as u32))
        };
        let (Some(ck), Some(hk)) = (self.network.ledger.coldkey_id(coldkey), find(hotkey)) else {
            row.outcome = format!("unknown coldkey `{coldkey}` or hotkey `{hotkey}`");
            return row;
        };
        let result = match destination {
            Some((netuid, to_hotkey, to_netuid, alpha)) => {
                let Some(to) = find(to_hotkey) else {
                    row.outcome = format!("unknown hotkey `{to_hotkey}`");
                    return row;
                };
                row.amount = alpha.unwrap_or_else(|| self.stake_held(netuid, hk, ck));
                move_stake(
                    &mut self.network,
                    &self.rules,
                    &self.params,
                    ck,
                    (hk, netuid),
                    (to, to_netuid),
                    Alpha(row.amount),
                )
            }
            None => unstake_all(&mut self.network, &self.rules, &self.params, ck, hk),
        };
        self.record_receipt(&mut row, result, destination.is_some());
        row
    }

    /// One burned registration (`hotkey_id` when the caller knows it); a rejection is recorded
    /// with its reason, never fatal.
    pub(super) fn register_one_neuron(
        &mut self,
        netuid: NetUid,
        coldkey: &str,
        hotkey: &str,
        hotkey_id: Option<HotkeyId>,
    ) -> RegistrationRow {
        let mut row = self.registration_row("neuron", netuid.0, coldkey, hotkey);
        row.price = self.registration.neuron_price(netuid, &self.rules).0;
        match register_neuron(
            &mut self.network,
            &mut self.registration,
            &self.rules,
            &NeuronRequest {
                hotkey_id,
                ..NeuronRequest::burned(netuid, coldkey, hotkey)
            },
        ) {
            Ok(r) => {
                row.uid = Some(r.uid.0);
                row.price = r.price.0;
                row.paid = r.paid.0;
                row.recycled = r.payment.tao_recycled.0;
                row.replaced = r
                    .replaced
                    .map(|h| self.network.hotkeys[h.0 as usize].name.clone());
            }
            Err(e) => row.outcome = e.to_string(),
        }
        row
    }

    pub(super) fn register_one_subnet(
        &mut self,
        coldkey: &str,
        hotkey: &str,
        tempo: u16,
        lock: Option<Tao>,
    ) -> RegistrationRow {
        let mut row = self.registration_row("subnet", 0, coldkey, hotkey);
        row.price = lock
            .unwrap_or_else(|| self.registration.lock_cost(&self.network, &self.params))
            .0;
        match register_subnet_at_lock(
            &mut self.network,
            &mut self.registration,
            &self.rules,
            &self.params,
            coldkey,
            hotkey,
            tempo,
            lock,
        ) {
            Ok(r) => {
                row.netuid = r.netuid.0;
                row.uid = Some(0);
                row.price = r.lock_cost.0;
                row.paid = r.actual_lock.0;
                row.recycled = r.recycled.0;
                row.replaced = r.dissolved.map(|d| format!("netuid {}", d.netuid.0));
            }
            Err(e) => row.outcome = e.to_string(),
        }
        row
    }
}

fn stake_kind(tao: Option<Tao>) -> &'static str {
    if tao.is_some() {
        "add_stake"
    } else {
        "remove_stake"
    }
}
