//! Reading and writing saved chain states (`[initial] state`, `taosim run --save-state`).

use sim_core::state::{SavedState, STATE_FORMAT};
use std::path::Path;

/// Reads a saved state; the error says what is wrong with the file.
pub fn load(path: &Path) -> Result<SavedState, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let state: SavedState =
        serde_json::from_str(&text).map_err(|e| format!("not a saved state: {e}"))?;
    if state.format != STATE_FORMAT {
        return Err(format!(
            "saved-state format {} (this taosim reads format {STATE_FORMAT})",
            state.format
        ));
    }
    Ok(state)
}

/// The state as JSON text.
pub fn to_json(state: &SavedState) -> String {
    serde_json::to_string(state).expect("a saved state is plain data") + "\n"
}
