//! Deterministic line charts as PNG and SVG (plotters), with a bundled font so that a machine
//! without system fonts draws the same pixels.

use crate::ReportError;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle};
use std::path::Path;
use std::sync::Once;

/// DejaVu Sans (Bitstream Vera license, `assets/DejaVuSans-LICENSE.txt`).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static REGISTER_FONT: Once = Once::new();

fn ensure_font() {
    REGISTER_FONT.call_once(|| {
        // The bytes are a valid TrueType font shipped with the crate.
        let _ = register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// One line: a name for the legend and (x, y) points in drawing order.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A vertical marker with a label (e.g. a halving).
#[derive(Clone, Debug)]
pub struct Marker {
    pub x: f64,
    pub label: String,
}

/// One panel of a chart.
#[derive(Clone, Debug)]
pub struct Panel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub markers: Vec<Marker>,
    /// Draw a legend (off for charts with hundreds of lines).
    pub legend: bool,
    /// Start the y axis at zero (else at the smallest value).
    pub y_from_zero: bool,
}

/// Axis numbers people read at a glance: 18.4M, 250k, 0.25.
pub fn short_number(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.2}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a >= 0.1 {
        format!("{v:.3}")
    } else {
        // Small prices and shares: three significant digits, so ticks stay distinct.
        format!("{v:.2e}")
    }
}

/// Draws the panels stacked vertically into `stem.png` and `stem.svg`.
pub fn line_chart(stem: &Path, panels: &[Panel]) -> Result<(), ReportError> {
    ensure_font();
    let height = 420 * panels.len().max(1) as u32;
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");
    draw(
        BitMapBackend::new(&png, (1000, height)).into_drawing_area(),
        panels,
    )
    .map_err(|e| ReportError::Output(format!("{}: drawing chart: {e}", png.display())))?;
    draw(
        SVGBackend::new(&svg, (1000, height)).into_drawing_area(),
        panels,
    )
    .map_err(|e| ReportError::Output(format!("{}: drawing chart: {e}", svg.display())))?;
    Ok(())
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    panels: &[Panel],
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let areas = root.split_evenly((panels.len().max(1), 1));
    for (panel, area) in panels.iter().zip(areas.iter()) {
        draw_panel(area, panel).map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}

fn bounds(panel: &Panel) -> ((f64, f64), (f64, f64)) {
    let pts = panel
        .series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|(x, y)| x.is_finite() && y.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        return ((0.0, 1.0), (0.0, 1.0));
    }
    let pad = |a: f64, b: f64| {
        if (b - a).abs() < 1e-12 {
            (a - 0.5, b + 0.5)
        } else {
            (a, b + (b - a) * 0.05)
        }
    };
    let y0 = if panel.y_from_zero { y0.min(0.0) } else { y0 };
    (pad(x0, x1), pad(y0, y1))
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    panel: &Panel,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB::ErrorType: 'static,
{
    let ((x0, x1), (y0, y1)) = bounds(panel);
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(panel.x_label.as_str())
        .y_desc(panel.y_label.as_str())
        .label_style(("sans-serif", 13))
        .x_label_formatter(&|x| short_number(*x))
        .y_label_formatter(&|y| short_number(*y))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    for (i, s) in panel.series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let drawn = chart.draw_series(LineSeries::new(
            s.points.iter().copied(),
            color.stroke_width(2),
        ))?;
        if panel.legend {
            drawn
                .label(s.name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color));
        }
    }
    for (k, m) in panel.markers.iter().enumerate() {
        chart.draw_series(LineSeries::new(
            vec![(m.x, y0), (m.x, y1)],
            RED.stroke_width(1),
        ))?;
        // Labels of nearby markers are staggered downwards so they stay readable.
        let y = y1 - (y1 - y0) * 0.06 * (k % 5) as f64;
        // In the right half the label ends at the line, so it is not cut off at the edge.
        let font = TextStyle::from(("sans-serif", 13).into_font());
        let font = if m.x > (x0 + x1) / 2.0 {
            font.pos(Pos::new(HPos::Right, VPos::Top))
        } else {
            font.pos(Pos::new(HPos::Left, VPos::Top))
        };
        chart.draw_series(std::iter::once(Text::new(m.label.clone(), (m.x, y), font)))?;
    }
    if panel.legend && !panel.series.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()?;
    }
    Ok(())
}
