//! Block <-> date: a piecewise block-time model with halts (issue: foundation, item 5).
//!
//! The chain has no clock; dates come from a model: a start block at a start instant, a block
//! time that scenario events may change, and halts that let time pass without blocks.

use crate::units::BlockNumber;

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type UnixMillis = i64;

/// Default block time: 12 s.
pub const DEFAULT_BLOCK_MILLIS: u64 = 12_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    from_block: BlockNumber,
    from_ms: UnixMillis,
    block_ms: u64,
}

/// Maps blocks at or after the start block to instants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockClock {
    segments: Vec<Segment>,
}

impl BlockClock {
    pub fn new(start_block: BlockNumber, start_ms: UnixMillis, block_ms: u64) -> Self {
        Self {
            segments: vec![Segment {
                from_block: start_block,
                from_ms: start_ms,
                block_ms,
            }],
        }
    }

    /// The instant of `block` (blocks before the start are extrapolated backwards).
    pub fn time_of(&self, block: BlockNumber) -> UnixMillis {
        let seg = self
            .segments
            .iter()
            .rev()
            .find(|s| s.from_block <= block)
            .unwrap_or(&self.segments[0]);
        let blocks = block as i128 - seg.from_block as i128;
        (seg.from_ms as i128 + blocks * seg.block_ms as i128) as UnixMillis
    }

    /// The block time in force at `block`.
    pub fn block_ms_at(&self, block: BlockNumber) -> u64 {
        self.segments
            .iter()
            .rev()
            .find(|s| s.from_block <= block)
            .unwrap_or(&self.segments[0])
            .block_ms
    }

    /// From `block` on, blocks are `block_ms` apart. Blocks are processed in order, so the
    /// change never rewrites the past.
    pub fn set_block_time(&mut self, block: BlockNumber, block_ms: u64) {
        let from_ms = self.time_of(block);
        self.push(Segment {
            from_block: block,
            from_ms,
            block_ms,
        });
    }

    /// The chain halts before producing `block`: it comes `halt_ms` later than it would have.
    pub fn halt(&mut self, block: BlockNumber, halt_ms: u64) {
        let block_ms = self.block_ms_at(block);
        let from_ms = self.time_of(block) + halt_ms as i64;
        self.push(Segment {
            from_block: block,
            from_ms,
            block_ms,
        });
    }

    /// Blocks are processed in order, so a new segment replaces any at or after its block.
    fn push(&mut self, seg: Segment) {
        self.segments.retain(|s| s.from_block < seg.from_block);
        self.segments.push(seg);
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) for days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]Z` (UTC) into unix milliseconds.
pub fn parse_utc(text: &str) -> Result<UnixMillis, String> {
    let bad = || format!("`{text}` is not a UTC date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)");
    let (date, time) = match text.split_once('T') {
        Some((d, t)) => (d, Some(t.strip_suffix('Z').ok_or_else(bad)?)),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return Err(bad());
    }
    let y: i64 = parts[0].parse().map_err(|_| bad())?;
    let m: u32 = parts[1].parse().map_err(|_| bad())?;
    let d: u32 = parts[2].parse().map_err(|_| bad())?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return Err(bad());
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    if let Some(t) = time {
        let hms: Vec<&str> = t.split(':').collect();
        if !(2..=3).contains(&hms.len()) || hms.iter().any(|p| p.len() != 2) {
            return Err(bad());
        }
        let v: Vec<i64> = hms
            .iter()
            .map(|p| p.parse::<i64>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        let (h, mi, s) = (v[0], v[1], v.get(2).copied().unwrap_or(0));
        if h > 23 || mi > 59 || s > 59 {
            return Err(bad());
        }
        secs += h * 3600 + mi * 60 + s;
    }
    Ok(secs * 1000)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DD HH:MM` (UTC) for summaries.
pub fn format_utc_minutes(ms: UnixMillis) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// `YYYY-MM-DD` (UTC).
pub fn format_utc_date(ms: UnixMillis) -> String {
    format_utc_minutes(ms)[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let ms = parse_utc("2026-07-30").unwrap();
        assert_eq!(format_utc_date(ms), "2026-07-30");
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(
            parse_utc("2000-03-01T12:30Z")
                .map(format_utc_minutes)
                .unwrap(),
            "2000-03-01 12:30"
        );
        assert!(parse_utc("2026-02-30").is_err());
        assert!(parse_utc("2026-7-30").is_err());
        assert!(parse_utc("2026-07-30T25:00Z").is_err());
    }

    #[test]
    fn blocks_are_twelve_seconds_apart_until_changed() {
        let mut c = BlockClock::new(100, 0, DEFAULT_BLOCK_MILLIS);
        assert_eq!(c.time_of(107_300), (107_200) * 12_000);
        c.set_block_time(200, 6_000);
        assert_eq!(c.time_of(200), 100 * 12_000);
        assert_eq!(c.time_of(210), 100 * 12_000 + 10 * 6_000);
        assert_eq!(c.time_of(150), 50 * 12_000, "the past is unchanged");
    }

    #[test]
    fn a_halt_delays_every_later_block() {
        let mut c = BlockClock::new(0, 0, 12_000);
        c.halt(10, 2 * 86_400_000);
        assert_eq!(c.time_of(9), 9 * 12_000);
        assert_eq!(c.time_of(10), 10 * 12_000 + 2 * 86_400_000);
        assert_eq!(c.time_of(11), 11 * 12_000 + 2 * 86_400_000);
        assert_eq!(c.block_ms_at(11), 12_000);
    }
}
