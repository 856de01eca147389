//! Registered neurons (UIDs) of one subnet as parallel columns, their hotkeys, and the subnet's
//! Yuma hyperparameters (spec sections 3 and 11).

use crate::units::{BlockNumber, ColdkeyId};

/// A hotkey, by index into [`crate::network::Network::hotkeys`].
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct HotkeyId(pub u32);

/// What the chain stores about a hotkey (`Owner`, `Delegates`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Hotkey {
    pub name: String,
    /// `Owner[hotkey]`.
    pub owner: ColdkeyId,
    /// `Delegates[hotkey]` (u16 / 65535): the take on alpha and root dividends.
    pub delegate_take: u16,
}

/// `DefaultDelegateTake`: 11,796 / 65535 = 18 %.
pub const DEFAULT_DELEGATE_TAKE: u16 = 11_796;

/// A subnet's Yuma hyperparameters (spec section 8 defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct YumaHyper {
    pub kappa: u16,
    pub bonds_penalty: u16,
    /// Parts per million.
    pub bonds_moving_average: u64,
    pub yuma3: bool,
    pub liquid_alpha: bool,
    pub alpha_low: u16,
    pub alpha_high: u16,
    pub alpha_sigmoid_steepness: i16,
    pub activity_cutoff_factor_milli: u32,
    /// `StakeThreshold` in rao.
    pub stake_threshold: u64,
    pub max_allowed_validators: u16,
}

impl Default for YumaHyper {
    fn default() -> Self {
        Self {
            kappa: 32_767,
            bonds_penalty: 65_535,
            bonds_moving_average: 975_000,
            yuma3: true,
            liquid_alpha: false,
            alpha_low: 45_875,
            alpha_high: 58_982,
            alpha_sigmoid_steepness: 1_000,
            activity_cutoff_factor_milli: 13_889,
            stake_threshold: 1_000 * crate::RAO_PER_TAO,
            max_allowed_validators: 64,
        }
    }
}

/// Per-UID state, one entry per UID in UID order (`Keys`, `BlockAtRegistration`, `LastUpdate`,
/// `ValidatorPermit`, `Weights`, `Bonds`, and the last epoch's outputs).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Neurons {
    /// `Keys`, written only through [`Neurons::push`] and [`Neurons::set_hotkey`], which give
    /// the column a new [`ColumnStamp`].
    hotkey: Vec<crate::neurons::HotkeyId>,
    #[serde(skip)]
    hotkey_stamp: ColumnStamp,
    pub registered_at: Vec<BlockNumber>,
    pub last_update: Vec<BlockNumber>,
    pub validator_permit: Vec<bool>,
    /// Sparse rows `[(uid, weight u16)]`, as set.
    pub weights: Vec<Vec<(u16, u16)>>,
    pub bonds: Vec<Vec<(u16, u16)>>,
    pub incentive: Vec<u16>,
    pub dividends: Vec<u16>,
    pub consensus: Vec<u16>,
    pub validator_trust: Vec<u16>,
    /// `Emission`: the last epoch's alpha per UID (the pruning score).
    pub emission: Vec<u64>,
}

/// A name for the content of one hotkey column, unique in the process: a column gets a new one
/// when it is created and at each change, and a clone shares its original's until either
/// changes, so two columns with the same stamp hold the same hotkeys. The served-quality totals
/// compare stamps instead of whole columns each block. Not part of the state's value: equality
/// ignores it and serialisation skips it (a read column gets a new one).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ColumnStamp(u64);

impl ColumnStamp {
    fn next() -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Self(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

impl Default for ColumnStamp {
    fn default() -> Self {
        Self::next()
    }
}

impl PartialEq for ColumnStamp {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ColumnStamp {}

impl Neurons {
    pub fn len(&self) -> usize {
        self.hotkey.len()
    }

    /// `Keys`: each UID's hotkey, in UID order.
    pub fn hotkeys(&self) -> &[HotkeyId] {
        &self.hotkey
    }

    /// The stamp of the hotkey column as it is now (see [`ColumnStamp`]).
    pub(crate) fn hotkey_stamp(&self) -> u64 {
        self.hotkey_stamp.0
    }

    /// Gives `uid` a new hotkey (a replacement); nothing for a UID beyond the column.
    pub fn set_hotkey(&mut self, uid: usize, hotkey: HotkeyId) {
        if let Some(slot) = self.hotkey.get_mut(uid) {
            *slot = hotkey;
            self.hotkey_stamp = ColumnStamp::next();
        }
    }

    pub fn is_empty(&self) -> bool {
        self.hotkey.is_empty()
    }

    /// Appends a UID (registration into a free slot).
    pub fn push(&mut self, hotkey: HotkeyId, block: BlockNumber) -> u16 {
        self.hotkey.push(hotkey);
        self.hotkey_stamp = ColumnStamp::next();
        self.registered_at.push(block);
        self.last_update.push(block);
        self.validator_permit.push(false);
        self.weights.push(Vec::new());
        self.bonds.push(Vec::new());
        self.incentive.push(0);
        self.dividends.push(0);
        self.consensus.push(0);
        self.validator_trust.push(0);
        self.emission.push(0);
        (self.hotkey.len() - 1) as u16
    }

    pub fn uid_of(&self, hotkey: HotkeyId) -> Option<u16> {
        // Sixteen hotkeys a step, tested with one OR of comparisons (it vectorises), and the
        // first match then found in that block: agents ask for their UID at every act, and a
        // search that stops at each entry compared one id at a time.
        const STEP: usize = 16;
        let blocks = self.hotkey.chunks_exact(STEP);
        let rest = blocks.remainder();
        for (b, block) in blocks.enumerate() {
            if block.iter().fold(false, |any, h| any | (*h == hotkey)) {
                let at = block.iter().position(|h| *h == hotkey).unwrap_or(0);
                return Some((b * STEP + at) as u16);
            }
        }
        let at = rest.iter().position(|h| *h == hotkey)?;
        Some((self.hotkey.len() - rest.len() + at) as u16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocked search against the first position, on columns of every length to 300 (block
    /// tails included), ids repeated, present and absent.
    #[test]
    fn uid_of_is_the_first_position() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
        for case in 0..3_000 {
            let n = case % 300;
            let mut nr = Neurons::default();
            for _ in 0..n {
                nr.push(HotkeyId(rng.gen_range(0..400)), 0);
            }
            for id in 0..420 {
                let first = nr
                    .hotkeys()
                    .iter()
                    .position(|h| h.0 == id)
                    .map(|u| u as u16);
                assert_eq!(nr.uid_of(HotkeyId(id)), first, "case {case}, id {id}");
            }
        }
    }
}
