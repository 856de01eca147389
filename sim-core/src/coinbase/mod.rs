//! The per-block coinbase: emission shares, subnet terms, price EMA (spec section 2).
