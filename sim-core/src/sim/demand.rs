//! Recurring registration demand ([`crate::registration::demand`]) on the engine: every block,
//! after the scenario's events and flows, each covered subnet may get one burned registration
//! paid by the unmodelled rest of the network, priced and counted by the subnet's own
//! registration state (the burn rule of the era). Before dTAO the burn is recycled out of
//! issuance ([`RecycleReason::RegistrationBurn`]); from the launch on it buys alpha in the
//! subnet's pool, and the alpha is recycled (issuance unchanged), as `register_neuron` does.

use super::{SimError, Simulation};
use crate::ledger::{Holder, RecycleReason};
use crate::lifecycle::ops::buy_burn;
use crate::registration::demand::DemandSpec;
use crate::registration::RegistrationKind;
use crate::rng::{stream, SimRng, Stream};
use crate::rules::NeuronBurn;
use crate::units::{BlockNumber, NetUid, Tao};
use rand::Rng;
use std::collections::BTreeMap;

/// One installed demand and the draws of its subnets.
#[derive(Clone, Debug)]
pub(super) struct DemandState {
    spec: DemandSpec,
    subnets: BTreeMap<NetUid, SubnetDemand>,
}

#[derive(Clone, Debug)]
struct SubnetDemand {
    rng: SimRng,
    /// Reference burn in rao.
    reference: f64,
}

/// Totals over the run of every installed demand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DemandTotals {
    /// Registrations that went through.
    pub registrations: u64,
    /// Attempts the chain refused (rate limits, balance, swap).
    pub refused: u64,
    /// TAO paid for them.
    pub paid: u64,
}

impl Simulation {
    /// Starts a demand at the current block: draws the reference burn of every covered subnet
    /// that exists now and writes the spec's hyperparameters on them.
    pub(super) fn install_demand(&mut self, spec: DemandSpec) {
        let mut state = DemandState {
            spec,
            subnets: BTreeMap::new(),
        };
        let rules = self.rules;
        let spec = state.spec.clone();
        let netuids: Vec<NetUid> = self
            .network
            .subnets
            .iter()
            .filter(|s| spec.covers(s.netuid.0))
            .map(|s| s.netuid)
            .collect();
        for netuid in netuids {
            let reference = state.subnet(self.seed, netuid).reference;
            let entry = self
                .registration
                .per_subnet
                .entry(netuid)
                .or_insert_with(|| crate::lifecycle::ops::SubnetRegistration::new_subnet(&rules));
            let ic = &mut entry.config.interval;
            if let Some(v) = spec.adjustment_interval {
                ic.adjustment_interval = v;
            }
            if let Some(v) = spec.target_registrations {
                ic.target_registrations_per_interval = v;
            }
            if let Some(v) = spec.adjustment_alpha {
                ic.adjustment_alpha = v;
            }
            if spec.start_at_reference {
                entry.neuron.burn = ic.burn_bounds.clamp(Tao(reference as u64));
            }
        }
        self.demand.push(state);
    }

    /// Totals of the registrations the demand made so far.
    pub fn demand_totals(&self) -> DemandTotals {
        self.demand_totals
    }

    /// This block's demand registrations.
    pub(super) fn apply_demand(&mut self, block: BlockNumber) -> Result<(), SimError> {
        if self.demand.is_empty() {
            return Ok(());
        }
        let seed = self.seed;
        let mut demand = std::mem::take(&mut self.demand);
        for state in demand.iter_mut().filter(|d| d.spec.active(block)) {
            for index in 0..self.network.subnets.len() {
                let s = &self.network.subnets[index];
                if !state.spec.covers(s.netuid.0) || !s.registration_allowed {
                    continue;
                }
                let netuid = s.netuid;
                let Some(entry) = self.registration.per_subnet.get(&netuid) else {
                    continue;
                };
                let ic = entry.config.interval;
                let burn = entry.neuron.price();
                let spec = state.spec.clone();
                let d = state.subnet(seed, netuid);
                let p = spec.attempt_probability(
                    d.reference,
                    burn.rao(),
                    ic.adjustment_interval,
                    ic.target_registrations_per_interval,
                );
                if p <= 0.0 || d.rng.gen::<f64>() >= p {
                    continue;
                }
                self.demand_registration(block, index)?;
            }
        }
        self.demand = demand;
        Ok(())
    }

    /// One burned registration on subnet `index`, paid by the unmodelled rest.
    fn demand_registration(&mut self, block: BlockNumber, index: usize) -> Result<(), SimError> {
        let rules = self.rules;
        let netuid = self.network.subnets[index].netuid;
        let Some(entry) = self.registration.per_subnet.get_mut(&netuid) else {
            return Ok(());
        };
        let free = self.network.ledger.unmodelled();
        let admission = match entry.neuron.admit(
            rules.neuron_burn,
            &entry.config,
            RegistrationKind::Burned,
            free,
            None,
        ) {
            Ok(a) => a,
            Err(_) => {
                self.demand_totals.refused += 1;
                return Ok(());
            }
        };
        let ledger_err = |source| SimError::Ledger {
            block,
            cause: source,
        };
        if !admission.paid.is_zero() {
            if rules.neuron_burn == NeuronBurn::IntervalRecycled {
                self.network
                    .ledger
                    .recycle(
                        Holder::Unmodelled,
                        admission.paid,
                        RecycleReason::RegistrationBurn,
                    )
                    .map_err(ledger_err)?;
            } else {
                let s = &mut self.network.subnets[index];
                let mut pool = s.pool;
                let Ok(payment) = buy_burn(&mut pool, s.mechanism, &rules, admission.paid) else {
                    self.demand_totals.refused += 1;
                    return Ok(());
                };
                self.network
                    .ledger
                    .debit(Holder::Unmodelled, admission.paid)
                    .map_err(ledger_err)?;
                let s = &mut self.network.subnets[index];
                s.pool = pool;
                s.account_surplus = s
                    .account_surplus
                    .saturating_add(payment.tao_to_subnet_account);
                if rules.neuron_burn == NeuronBurn::DecayAndBump {
                    s.flow.record_user_inflow(admission.paid.rao());
                }
            }
        }
        entry
            .neuron
            .record(rules.neuron_burn, &entry.config, RegistrationKind::Burned);
        self.demand_totals.registrations += 1;
        self.demand_totals.paid += admission.paid.rao();
        Ok(())
    }
}

impl DemandState {
    /// The subnet's draws, created (reference burn first) when first needed.
    fn subnet(&mut self, seed: u64, netuid: NetUid) -> &mut SubnetDemand {
        let spec = &self.spec;
        self.subnets.entry(netuid).or_insert_with(|| {
            let mut rng = stream(seed, Stream::Registration(netuid.0));
            let reference = spec.reference_burn(rng.gen::<f64>());
            SubnetDemand { rng, reference }
        })
    }
}
