//! What a sweep runs: seeds, `--set` points, shards, parsed and checked up front.

use agents::dist::Dist;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// One `--set KEY=V1,V2,...`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetAxis {
    pub key: String,
    /// Values as written (each parsed as a TOML value when applied).
    pub values: Vec<String>,
}

/// One `--draw KEY=DIST`: a value drawn for every run from its seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrawAxis {
    pub key: String,
    /// The distribution as written (`{ uniform = [a, b] }`, `{ normal = [m, sd] }`,
    /// `{ lognormal = [mu, sigma] }`).
    pub dist: String,
}

/// One combination of `--set` values: the sweep point.
pub type Point = Vec<(String, String)>;

/// Parses `A..B` (both ends included) or a single seed `A`.
pub fn parse_seeds(text: &str) -> Result<Vec<u64>> {
    let parse = |s: &str| {
        s.trim()
            .parse::<u64>()
            .with_context(|| format!("--seeds {text}: `{s}` is not a seed (a whole number)"))
    };
    let (a, b) = match text.split_once("..") {
        Some((a, b)) => (parse(a)?, parse(b.trim_start_matches('='))?),
        None => (parse(text)?, parse(text)?),
    };
    if b < a {
        bail!("--seeds {text}: empty seed range (write A..B with A <= B; both ends are included)");
    }
    if b - a >= 1_000_000 {
        bail!("--seeds {text}: more than 1,000,000 seeds");
    }
    Ok((a..=b).collect())
}

/// Parses `KEY=V1,V2`.
pub fn parse_set(text: &str) -> Result<SetAxis> {
    let Some((key, values)) = text.split_once('=') else {
        bail!("--set {text}: expected KEY=V1,V2,... (e.g. recycling[0].tao_per_day=250,500)");
    };
    let key = key.trim();
    if key.is_empty() {
        bail!("--set {text}: empty key");
    }
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
    if values.iter().any(String::is_empty) {
        bail!("--set {text}: empty value");
    }
    Ok(SetAxis {
        key: key.to_string(),
        values,
    })
}

/// Parses `KEY=DIST`, DIST a TOML inline table naming one distribution.
pub fn parse_draw(text: &str) -> Result<DrawAxis> {
    let Some((key, dist)) = text.split_once('=') else {
        bail!("--draw {text}: expected KEY={{ uniform = [low, high] }} (or normal, lognormal)");
    };
    let key = key.trim();
    if key.is_empty() {
        bail!("--draw {text}: empty key");
    }
    let axis = DrawAxis {
        key: key.to_string(),
        dist: dist.trim().to_string(),
    };
    axis.dist()?;
    Ok(axis)
}

impl DrawAxis {
    fn dist(&self) -> Result<Dist> {
        let value = toml::from_str::<toml::Table>(&format!("v = {}", self.dist))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .filter(toml::Value::is_table)
            .with_context(|| {
                format!(
                    "--draw {}={}: the distribution must be a TOML table such as {{ uniform = [0.5, 2] }}",
                    self.key, self.dist
                )
            })?;
        Dist::parse(&value).map_err(|e| anyhow::anyhow!("--draw {}={}: {e}", self.key, self.dist))
    }

    /// This run's value: drawn from a stream named by the key, so it depends on the seed and
    /// the key only (not on the other draws, the point or the number of jobs). The draw is
    /// rounded to the nearest integer when the scenario's value at the key is an integer and
    /// the distribution is written with integers (`uniform = [4912000, 4922000]` for a block);
    /// `uniform = [11.99, 12.03]` keeps decimals.
    pub fn draw(&self, seed: u64, doc: &toml::Table) -> Result<(f64, String)> {
        let mut rng = sim_core::rng::named_stream(seed, &format!("sweep-draw {}", self.key));
        let x = self.dist()?.sample(&mut rng);
        let integer_key = matches!(get(doc, &self.key), Some(toml::Value::Integer(_)));
        Ok(if integer_key && self.written_with_integers() {
            let r = x.round();
            (r, format!("{}", r as i64))
        } else {
            (x, format!("{x:?}"))
        })
    }

    fn written_with_integers(&self) -> bool {
        toml::from_str::<toml::Table>(&format!("v = {}", self.dist))
            .ok()
            .and_then(|t| {
                let params = t.get("v")?.as_table()?.values().next()?.as_array()?.clone();
                Some(params.iter().all(toml::Value::is_integer))
            })
            .unwrap_or(false)
    }
}

/// The value at a `--set`-style key, if the scenario has it.
fn get<'a>(doc: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut value: Option<&toml::Value> = None;
    let mut table = doc;
    for seg in key.split('.') {
        let v = match seg.split_once('[') {
            Some((name, rest)) => {
                let idx: usize = rest.strip_suffix(']')?.parse().ok()?;
                table.get(name)?.as_array()?.get(idx)?
            }
            None => table.get(seg)?,
        };
        value = Some(v);
        if let Some(t) = v.as_table() {
            table = t;
        }
    }
    value
}

/// Parses `I/N` (0-based index).
pub fn parse_shard(text: &str) -> Result<(u32, u32)> {
    let bad = || anyhow::anyhow!("--shard {text}: expected I/N with 0 <= I < N (e.g. 0/4)");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let i: u32 = i.trim().parse().map_err(|_| bad())?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || i >= n {
        bail!("--shard {text}: shard index out of range (0 <= I < N)");
    }
    Ok((i, n))
}

/// Every combination of the axes' values, first axis slowest, in command-line order.
pub fn points(axes: &[SetAxis]) -> Vec<Point> {
    let mut out: Vec<Point> = vec![vec![]];
    for axis in axes {
        out = out
            .into_iter()
            .flat_map(|p| {
                axis.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push((axis.key.clone(), v.clone()));
                    q
                })
            })
            .collect();
    }
    out
}

/// Sets `key` (a TOML path such as `recycling[0].tao_per_day` or `time.block_seconds`) in the
/// document. Missing tables are created; a missing array entry is an error.
pub fn apply(doc: &mut toml::Table, key: &str, raw: &str) -> Result<()> {
    let value = parse_value(raw);
    let segments: Vec<&str> = key.split('.').collect();
    let mut table = doc;
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let (name, index) = match seg.split_once('[') {
            Some((n, rest)) => {
                let idx: usize = rest
                    .strip_suffix(']')
                    .and_then(|r| r.parse().ok())
                    .with_context(|| format!("--set {key}: `{seg}` is not NAME or NAME[INDEX]"))?;
                (n, Some(idx))
            }
            None => (*seg, None),
        };
        if name.is_empty() {
            bail!("--set {key}: empty key segment");
        }
        match index {
            None if last => {
                table.insert(name.to_string(), value);
                return Ok(());
            }
            None => {
                let entry = table
                    .entry(name.to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                table = entry
                    .as_table_mut()
                    .with_context(|| format!("--set {key}: `{name}` is not a table"))?;
            }
            Some(idx) => {
                let array = table
                    .get_mut(name)
                    .and_then(toml::Value::as_array_mut)
                    .with_context(|| format!("--set {key}: the scenario has no array `{name}`"))?;
                let len = array.len();
                let item = array.get_mut(idx).with_context(|| {
                    format!("--set {key}: `{name}` has {len} entries, no [{idx}]")
                })?;
                if last {
                    *item = value;
                    return Ok(());
                }
                table = item
                    .as_table_mut()
                    .with_context(|| format!("--set {key}: `{name}[{idx}]` is not a table"))?;
            }
        }
    }
    Ok(())
}

/// A `--set` value as TOML (number, boolean, quoted string...), else as a plain string.
fn parse_value(raw: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_inclusive_ranges() {
        assert_eq!(parse_seeds("1..3").unwrap(), vec![1, 2, 3]);
        assert_eq!(parse_seeds("4").unwrap(), vec![4]);
        assert!(parse_seeds("5..2")
            .unwrap_err()
            .to_string()
            .contains("empty seed range"));
        assert!(parse_seeds("a..2").is_err());
    }

    #[test]
    fn shards_are_zero_based() {
        assert_eq!(parse_shard("0/4").unwrap(), (0, 4));
        assert!(parse_shard("4/4")
            .unwrap_err()
            .to_string()
            .contains("out of range"));
        assert!(parse_shard("1/0").is_err());
        assert!(parse_shard("x").is_err());
    }

    #[test]
    fn points_are_the_cartesian_product() {
        let axes = vec![parse_set("a=1,2").unwrap(), parse_set("b.c=x,y,z").unwrap()];
        let p = points(&axes);
        assert_eq!(p.len(), 6);
        assert_eq!(
            p[0],
            vec![("a".into(), "1".into()), ("b.c".into(), "x".into())]
        );
        assert_eq!(
            p[5],
            vec![("a".into(), "2".into()), ("b.c".into(), "z".into())]
        );
        assert_eq!(points(&[]), vec![Vec::<(String, String)>::new()]);
    }

    #[test]
    fn draws_depend_on_seed_and_key_and_keep_integers_integers() {
        let doc: toml::Table = toml::from_str("a = 5\nd = 12\n[b]\nc = 1.5\n").unwrap();
        let a = parse_draw("a={ uniform = [100, 200] }").unwrap();
        let c = parse_draw("b.c = { normal = [0, 1] }").unwrap();
        let (x, raw) = a.draw(3, &doc).unwrap();
        assert!((100.0..=200.0).contains(&x) && x.fract() == 0.0);
        assert_eq!(raw, format!("{}", x as i64));
        assert_eq!(a.draw(3, &doc).unwrap(), (x, raw));
        let draws: Vec<f64> = (0..20).map(|s| a.draw(s, &doc).unwrap().0).collect();
        assert!(draws.iter().any(|d| *d != x), "{draws:?}");
        let (y, raw) = c.draw(3, &doc).unwrap();
        assert_eq!(raw.parse::<f64>().unwrap(), y);
        assert!(raw.contains('.') || raw.contains('e'), "{raw}");
        // An integer in the scenario drawn from a distribution written with decimals.
        let d = parse_draw("d={ uniform = [11.99, 12.03] }").unwrap();
        let (z, _) = d.draw(1, &doc).unwrap();
        assert!(z.fract() != 0.0 && (11.99..=12.03).contains(&z), "{z}");
        for bad in [
            "a",
            "a=1",
            "a={ uniform = [2, 1] }",
            "a={ beta = [1, 2] }",
            "={ uniform = [1, 2] }",
        ] {
            assert!(parse_draw(bad).is_err(), "{bad}");
        }
        assert!(parse_draw("a={ uniform = [2, 1] }")
            .unwrap_err()
            .to_string()
            .contains("empty range"));
    }

    #[test]
    fn apply_sets_nested_keys() {
        let mut doc: toml::Table =
            toml::from_str("[[recycling]]\nreason = \"fees\"\ntao_per_day = 1\n").unwrap();
        apply(&mut doc, "recycling[0].tao_per_day", "250.5").unwrap();
        apply(&mut doc, "time.block_seconds", "12.5").unwrap();
        apply(&mut doc, "rules.era", "2025-02").unwrap();
        assert_eq!(doc["recycling"][0]["tao_per_day"].as_float(), Some(250.5));
        assert_eq!(doc["time"]["block_seconds"].as_float(), Some(12.5));
        assert_eq!(doc["rules"]["era"].as_str(), Some("2025-02"));
        assert!(apply(&mut doc, "recycling[3].tao_per_day", "1")
            .unwrap_err()
            .to_string()
            .contains("no [3]"));
        assert!(apply(&mut doc, "events[0].at_block", "1")
            .unwrap_err()
            .to_string()
            .contains("no array `events`"));
    }
}
