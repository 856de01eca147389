//! `taosim report` on a sweep and a run: every chart drawn, the HTML page self-contained.

mod common;

use common::{repo, taosim};

fn scenario() -> String {
    repo("scenarios/issuance-baseline.toml")
        .display()
        .to_string()
}

#[test]
fn a_report_on_a_sweep_and_a_run_draws_every_chart_and_embeds_them() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = tmp.path().join("sweep");
    let run = tmp.path().join("run");
    let out = tmp.path().join("report");
    let o = taosim(&[
        "sweep",
        &scenario(),
        "--seeds",
        "1..3",
        "--set",
        "recycling[1].tao_per_day=100,2000",
        "--blocks",
        "3500000",
        "--out",
        sweep.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = taosim(&[
        "run",
        &scenario(),
        "--blocks",
        "3500000",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = taosim(&[
        "report",
        sweep.to_str().unwrap(),
        run.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    for chart in ["issuance", "recycled", "halving_distribution"] {
        for ext in ["png", "svg"] {
            let len = std::fs::metadata(out.join(format!("{chart}.{ext}")))
                .map(|m| m.len())
                .unwrap_or(0);
            assert!(len > 10_000, "{chart}.{ext} is drawn ({len} bytes)");
        }
        assert!(
            html.contains(&format!("alt=\"{chart}\" src=\"data:image/png;base64,")),
            "{chart} embedded"
        );
        assert!(
            html.contains(&format!("href=\"{chart}.svg\"")),
            "{chart}.svg linked"
        );
    }
    assert_eq!(html.matches("<figure>").count(), 3);
    assert!(
        html.contains("recycling[1].tao_per_day=2000"),
        "sweep points are labelled"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "works offline"
    );
}

#[test]
fn a_report_on_something_else_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let o = taosim(&["report", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("neither a run directory"));
}

#[test]
fn a_report_on_a_run_with_agents_draws_its_subnet_neuron_and_agent_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let out = tmp.path().join("report");
    let o = taosim(&[
        "run",
        repo("scenarios/cabal.toml").to_str().unwrap(),
        "--blocks",
        "2000",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for chart in ["subnets", "neurons", "agents"] {
        assert!(
            run.join(format!("{chart}.png")).is_file(),
            "the run draws {chart}"
        );
    }
    let o = taosim(&[
        "report",
        run.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    for chart in ["issuance", "recycled", "subnets_0", "neurons_0", "agents_0"] {
        for ext in ["png", "svg"] {
            let len = std::fs::metadata(out.join(format!("{chart}.{ext}")))
                .map(|m| m.len())
                .unwrap_or(0);
            assert!(len > 10_000, "{chart}.{ext} is drawn ({len} bytes)");
        }
        assert!(
            html.contains(&format!("alt=\"{chart}\" src=\"data:image/png;base64,")),
            "{chart} embedded"
        );
    }
    assert!(
        html.contains("run: <a href=\"neurons_0.svg\">"),
        "the input is named"
    );
}
