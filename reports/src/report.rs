//! `taosim report`: charts (PNG and SVG) and one self-contained HTML page for one or more run
//! or sweep directories, side by side.

use crate::chart::{line_chart, short_number, Marker, Panel, Series};
use crate::headline::Headline;
use crate::run_charts::recycled_panel;
use crate::trace_read::NetworkTrace;
use crate::ReportError;
use sim_core::emission::issuance_without_recycling;
use sim_core::time::format_utc_minutes;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const MAX_POINTS: usize = 2_000;

/// One input of a report: a run, or one point of a sweep with all its runs.
struct Input {
    label: String,
    runs: Vec<(Headline, NetworkTrace)>,
    /// The first run's directory: its subnet, neuron and agent tables are drawn.
    first_dir: PathBuf,
}

/// What a report produced.
pub struct ReportOutput {
    pub html: PathBuf,
    pub charts: Vec<PathBuf>,
}

fn io(path: &Path, source: std::io::Error) -> ReportError {
    ReportError::Io {
        path: path.display().to_string(),
        cause: source,
    }
}

fn headline(dir: &Path) -> Result<Headline, ReportError> {
    let file = dir.join("headline.json");
    let text = std::fs::read_to_string(&file).map_err(|e| io(&file, e))?;
    serde_json::from_str(&text).map_err(|e| ReportError::Output(format!("{}: {e}", file.display())))
}

fn sorted_subdirs(dir: &Path, prefix: &str) -> Result<Vec<PathBuf>, ReportError> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    // Numeric order of the Hive value (sweep_point=10 after sweep_point=9).
    v.sort_by_key(|p| {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let num: u64 = name
            .split('=')
            .nth(1)
            .and_then(|x| x.parse().ok())
            .unwrap_or(u64::MAX);
        (num, name)
    });
    Ok(v)
}

/// Reads a run directory or a sweep directory (one input per sweep point).
fn load_inputs(dir: &Path) -> Result<Vec<Input>, ReportError> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string());
    if dir.join("network.parquet").exists() {
        return Ok(vec![Input {
            label: name,
            runs: vec![(headline(dir)?, NetworkTrace::load(dir)?)],
            first_dir: dir.to_path_buf(),
        }]);
    }
    if !dir.join("sweep.json").exists() {
        return Err(ReportError::Output(format!(
            "{}: neither a run directory (network.parquet) nor a sweep directory (sweep.json)",
            dir.display()
        )));
    }
    let sweep: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("sweep.json"))
            .map_err(|e| io(&dir.join("sweep.json"), e))?,
    )
    .map_err(|e| ReportError::Output(format!("{}: {e}", dir.join("sweep.json").display())))?;
    let mut inputs = Vec::new();
    for point_dir in sorted_subdirs(dir, "sweep_point=")? {
        let point: usize = point_dir
            .to_string_lossy()
            .rsplit('=')
            .next()
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        let set = sweep["points"][point]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let mut runs = Vec::new();
        let mut first_dir = None;
        for run in sorted_subdirs(&point_dir, "run=")? {
            if run.join("headline.json").exists() {
                runs.push((headline(&run)?, NetworkTrace::load(&run)?));
                first_dir.get_or_insert(run);
            }
        }
        if !runs.is_empty() {
            let label = if set.is_empty() {
                format!("{name} p{point}")
            } else {
                format!("{name} {set}")
            };
            inputs.push(Input {
                label,
                runs,
                first_dir: first_dir.expect("runs is not empty"),
            });
        }
    }
    if inputs.is_empty() {
        return Err(ReportError::Output(format!(
            "{}: the sweep has no finished runs",
            dir.display()
        )));
    }
    Ok(inputs)
}

/// The 0-based index of the nearest-rank q-quantile among `len` sorted values (`len >= 1`).
fn nearest_rank(len: usize, q: f64) -> usize {
    ((q * len as f64).ceil() as usize).clamp(1, len) - 1
}

/// Nearest-rank quantile of a sorted slice.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[nearest_rank(sorted.len(), q)]
}

/// The run whose first halving is the nearest-rank median of the input's runs (runs without a
/// halving count as latest); the first run when none halves.
fn median_run(input: &Input) -> usize {
    let mut order: Vec<(i64, usize)> = input
        .runs
        .iter()
        .enumerate()
        .map(|(k, (h, _))| (h.halvings.first().map_or(i64::MAX, |x| x.time_ms), k))
        .collect();
    order.sort();
    order[nearest_rank(order.len(), 0.5)].1
}

/// Per row, the q-quantile across runs (runs of one point share their sample blocks).
fn band(input: &Input, q: f64, value: impl Fn(&NetworkTrace, usize) -> f64) -> Vec<(f64, f64)> {
    let first = &input.runs[0].1;
    let days = first.days();
    let rows = input
        .runs
        .iter()
        .map(|(_, t)| t.block.len())
        .min()
        .unwrap_or(0);
    let idx: Vec<usize> = first
        .thinned(MAX_POINTS)
        .into_iter()
        .filter(|i| *i < rows)
        .collect();
    idx.iter()
        .map(|&i| {
            let mut v: Vec<f64> = input.runs.iter().map(|(_, t)| value(t, i)).collect();
            v.sort_by(f64::total_cmp);
            (days[i], quantile(&v, q))
        })
        .collect()
}

/// Builds the charts and `index.html` in `out` from the given run or sweep directories.
pub fn build(dirs: &[PathBuf], out: &Path) -> Result<ReportOutput, ReportError> {
    let mut inputs = Vec::new();
    for d in dirs {
        inputs.extend(load_inputs(d)?);
    }
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    let tao = |rao: u64| rao as f64 / 1e9;
    let mut charts = Vec::new();

    // 1. Issuance against the no-recycling schedule, halvings marked, sweep bands.
    let mut series = Vec::new();
    for input in &inputs {
        let issuance = |t: &NetworkTrace, i: usize| tao(t.total_issuance[i]);
        if input.runs.len() == 1 {
            series.push(Series {
                name: input.label.clone(),
                points: band(input, 0.5, issuance),
            });
        } else {
            series.push(Series {
                name: format!("{} P50", input.label),
                points: band(input, 0.5, issuance),
            });
            series.push(Series {
                name: format!("{} P5", input.label),
                points: band(input, 0.05, issuance),
            });
            series.push(Series {
                name: format!("{} P95", input.label),
                points: band(input, 0.95, issuance),
            });
        }
    }
    let first = &inputs[0].runs[0].1;
    let start = first.total_issuance[0];
    let days = first.days();
    series.push(Series {
        name: "no recycling".into(),
        points: first
            .thinned(MAX_POINTS)
            .into_iter()
            .map(|i| {
                (
                    days[i],
                    tao(issuance_without_recycling(
                        start,
                        first.block[i] - first.block[0],
                    )),
                )
            })
            .collect(),
    });
    let mut markers = Vec::new();
    // A single run marks its halvings; a sweep input marks those of its median run (by the
    // first halving), labelled as such, since its first run is no more typical than any other.
    for input in &inputs {
        let (k, tag) = if input.runs.len() == 1 {
            (0, "")
        } else {
            (median_run(input), " P50")
        };
        let (h, t) = &input.runs[k];
        for x in &h.halvings {
            let i = t
                .block
                .partition_point(|b| *b < x.block)
                .min(t.block.len() - 1);
            markers.push(Marker {
                x: t.days()[i],
                label: format!("halving {}{tag} {}", x.halvings, &x.date[..10]),
            });
        }
    }
    markers.dedup_by(|a, b| a.label == b.label);
    let x_label = format!(
        "days since {}",
        sim_core::time::format_utc_date(first.date_ms[0])
    );
    let stem = out.join("issuance");
    line_chart(
        &stem,
        &[Panel {
            title: "TAO total issuance (sweeps: P5 / P50 / P95 across runs)".into(),
            x_label: x_label.clone(),
            y_label: "TAO".into(),
            series,
            markers,
            legend: true,
            y_from_zero: false,
        }],
    )?;
    charts.push(stem);

    // 2. Recycled by reason (sweeps: the median run per row).
    let mut recycled = Vec::new();
    for input in &inputs {
        for (k, (reason, col)) in input.runs[0].1.recycled.iter().enumerate() {
            if col.iter().all(|v| *v == 0) {
                continue;
            }
            let name = if inputs.len() == 1 {
                reason.name().to_string()
            } else {
                format!("{}: {}", input.label, reason.name())
            };
            recycled.push(Series {
                name,
                points: band(input, 0.5, |t, i| tao(t.recycled[k].1[i])),
            });
        }
    }
    let stem = out.join("recycled");
    line_chart(&stem, &[recycled_panel(x_label, recycled)])?;
    charts.push(stem);

    // 3. Sweeps: the distribution of the first halving's date across runs.
    let cdf: Vec<Series> = inputs
        .iter()
        .filter(|i| i.runs.len() > 1)
        .filter_map(|input| {
            let mut days: Vec<f64> = input
                .runs
                .iter()
                .filter_map(|(h, t)| {
                    h.halvings
                        .first()
                        .map(|x| (x.time_ms - t.date_ms[0]) as f64 / 86_400_000.0)
                })
                .collect();
            if days.is_empty() {
                return None;
            }
            days.sort_by(f64::total_cmp);
            let n = days.len() as f64;
            Some(Series {
                name: input.label.clone(),
                points: days
                    .iter()
                    .enumerate()
                    .map(|(k, d)| (*d, (k + 1) as f64 / n))
                    .collect(),
            })
        })
        .collect();
    if !cdf.is_empty() {
        let stem = out.join("halving_distribution");
        line_chart(
            &stem,
            &[Panel {
                title: "First halving across runs (cumulative share of runs)".into(),
                x_label: format!(
                    "days since {}",
                    sim_core::time::format_utc_date(first.date_ms[0])
                ),
                y_label: "share of runs".into(),
                series: cdf,
                markers: vec![],
                legend: true,
                y_from_zero: true,
            }],
        )?;
        charts.push(stem);
    }

    // 4. Per input (a sweep point's first run): subnet prices, shares and alpha issuance; who
    //    receives the epochs' emission and how incentive is spread; agents' staked value.
    for (k, input) in inputs.iter().enumerate() {
        let dir = &input.first_dir;
        let drawn = [
            crate::subnet_charts::subnets_chart(dir, &out.join(format!("subnets_{k}")))?,
            crate::agent_charts::neurons_chart(dir, &out.join(format!("neurons_{k}")))?,
            crate::agent_charts::wealth_chart(dir, &out.join(format!("agents_{k}")))?,
        ];
        charts.extend(drawn.into_iter().flatten());
    }

    let html = out.join("index.html");
    std::fs::write(&html, page(&inputs, &charts)?).map_err(|e| io(&html, e))?;
    Ok(ReportOutput { html, charts })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTML page: every chart embedded as a data URI (works offline) and linked as SVG.
fn page(inputs: &[Input], charts: &[PathBuf]) -> Result<String, ReportError> {
    let mut h = String::from(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>taosim report</title>\n<style>\
         body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}\
         table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}\
         th{background:#f3f3f3}td:first-child{text-align:left}img{max-width:100%}</style></head><body>\n<h1>taosim report</h1>\n",
    );
    let _ = writeln!(h, "<h2>Runs</h2>\n<table><tr><th>input</th><th>runs</th><th>blocks</th><th>final issuance (TAO)</th><th>recycled (TAO)</th><th>first halving (P5 / P50 / P95)</th></tr>");
    for input in inputs {
        let (h0, _) = &input.runs[0];
        let median = |f: &dyn Fn(&Headline) -> f64| {
            let mut v: Vec<f64> = input.runs.iter().map(|(h, _)| f(h)).collect();
            v.sort_by(f64::total_cmp);
            quantile(&v, 0.5)
        };
        let mut halving: Vec<i64> = input
            .runs
            .iter()
            .filter_map(|(h, _)| h.halvings.first().map(|x| x.time_ms))
            .collect();
        halving.sort();
        let halving_text = if halving.is_empty() {
            "not reached".to_string()
        } else {
            let f: Vec<f64> = halving.iter().map(|t| *t as f64).collect();
            let show = |q| format_utc_minutes(quantile(&f, q) as i64);
            format!(
                "{} / {} / {} (n={})",
                show(0.05),
                show(0.5),
                show(0.95),
                halving.len()
            )
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{} to {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&input.label),
            input.runs.len(),
            h0.start_block,
            h0.end_block,
            short_number(median(&|h| h.final_total_issuance as f64 / 1e9)),
            short_number(median(&|h| h.recycled_total as f64 / 1e9)),
            halving_text
        );
    }
    h.push_str("</table>\n<h2>Charts</h2>\n");
    for stem in charts {
        let png = stem.with_extension("png");
        let bytes = std::fs::read(&png).map_err(|e| io(&png, e))?;
        let name = stem
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Per-input charts end in `_<input index>`: say which input they show.
        let of = name
            .rsplit_once('_')
            .and_then(|(_, k)| k.parse::<usize>().ok())
            .and_then(|k| inputs.get(k))
            .map(|i| format!("{}: ", escape(&i.label)))
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<figure><img alt=\"{name}\" src=\"data:image/png;base64,{}\"><figcaption>{of}<a href=\"{name}.svg\">{name}.svg</a> \
             <a href=\"{name}.png\">{name}.png</a></figcaption></figure>",
            base64(&bytes)
        );
    }
    h.push_str("</body></html>\n");
    Ok(h)
}

/// Standard base64 (RFC 4648) for embedding images.
fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                s.push(T[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
