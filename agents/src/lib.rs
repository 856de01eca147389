//! Behaviour policies; see issue "Agents" (not built yet).
