//! The charts page: Ik'' per bus as a horizontal bar chart, highest first, each bar coloured
//! by the bus's voltage level with a legend. Plain SVG with presentation attributes only (no
//! CSS, no script), so the page shows it inline and the PDF draws it as vectors.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::sc::results::BusResult;

use super::super::format::kv;
use super::{Figure, Names};

/// At most this many bars; a larger study shows its highest values.
pub const MAX_BARS: usize = 60;

/// Colours of the voltage levels, highest level first (distinguishable for colour-blind
/// readers: Okabe-Ito).
const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];

const WIDTH: f64 = 720.0;
const LABEL_W: f64 = 190.0;
const VALUE_W: f64 = 70.0;
const ROW_H: f64 = 18.0;
const TOP: f64 = 58.0;

/// `&`, `<`, `>` and quotes escaped for SVG text and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// A round scale end at or above `v`: 1, 2, 2.5 or 5 times a power of ten.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|&x| x >= v)
        .unwrap_or(10.0 * p)
}

/// The chart of Ik'' per bus, with a note on what it shows.
pub fn ikss_chart(buses: &[BusResult], names: &Names) -> Figure {
    let mut fed: Vec<&BusResult> = buses.iter().filter(|b| b.ikss_ka.is_some()).collect();
    fed.sort_by(|a, b| {
        b.ikss_ka
            .unwrap_or_default()
            .total_cmp(&a.ikss_ka.unwrap_or_default())
    });
    let levels: BTreeSet<u64> = fed.iter().map(|b| b.vn_kv.to_bits()).collect();
    let mut levels: Vec<f64> = levels.into_iter().map(f64::from_bits).collect();
    levels.sort_by(|a, b| b.total_cmp(a));
    let colour = |vn: f64| {
        let i = levels.iter().position(|&l| l == vn).unwrap_or(0);
        PALETTE[i % PALETTE.len()]
    };
    let shown = &fed[..fed.len().min(MAX_BARS)];
    let top = shown.first().and_then(|b| b.ikss_ka).unwrap_or(0.0);
    let scale_max = nice_max(top);
    let plot_w = WIDTH - LABEL_W - VALUE_W;
    let height = TOP + shown.len().max(1) as f64 * ROW_H + 34.0;
    let mut s = String::with_capacity(300 + shown.len() * 420);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-labelledby="chart-title" class="report-chart" font-family="sans-serif"><title id="chart-title">Ik'' per bus, highest first, coloured by voltage level</title>"#
    );
    // Legend: one swatch per voltage level.
    let mut x = 0.0;
    let _ = write!(
        s,
        r##"<text x="0" y="14" font-size="13" font-weight="bold" fill="#1a1a1a">Ik'' per bus (kA)</text>"##
    );
    for &vn in &levels {
        let label = format!("{} kV", kv(vn));
        let _ = write!(
            s,
            r##"<rect x="{x}" y="26" width="12" height="12" fill="{}"/><text x="{}" y="36" font-size="12" fill="#1a1a1a">{}</text>"##,
            colour(vn),
            x + 16.0,
            esc(&label)
        );
        x += 30.0 + label.chars().count() as f64 * 7.5;
    }
    // Grid lines and scale at 0, 25, 50, 75, 100 % of the scale.
    let bottom = TOP + shown.len().max(1) as f64 * ROW_H;
    for i in 0..=4 {
        let v = scale_max * f64::from(i) / 4.0;
        let gx = LABEL_W + plot_w * f64::from(i) / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{gx:.1}" y1="{}" x2="{gx:.1}" y2="{bottom}" stroke="#d0d0d0" stroke-width="1"/><text x="{gx:.1}" y="{}" font-size="12" text-anchor="middle" fill="#444444">{}</text>"##,
            TOP - 4.0,
            bottom + 16.0,
            kv(v)
        );
    }
    for (i, b) in shown.iter().enumerate() {
        let v = b.ikss_ka.unwrap_or_default();
        let y = TOP + i as f64 * ROW_H;
        let w = (v / scale_max * plot_w).max(0.5);
        let name = names.bus(&b.id);
        let _ = write!(
            s,
            r##"<g><title>{}: {v:.3} kA at {} kV</title><text x="{}" y="{}" font-size="12" text-anchor="end" fill="#1a1a1a">{}</text><rect x="{LABEL_W}" y="{}" width="{w:.1}" height="{}" fill="{}"/><text x="{:.1}" y="{}" font-size="12" fill="#1a1a1a">{v:.2}</text></g>"##,
            esc(&name),
            kv(b.vn_kv),
            LABEL_W - 6.0,
            y + 13.0,
            esc(&clip(&name, 26)),
            y + 3.0,
            ROW_H - 6.0,
            colour(b.vn_kv),
            LABEL_W + w + 4.0,
            y + 13.0,
        );
    }
    if shown.is_empty() {
        let _ = write!(
            s,
            r##"<text x="{LABEL_W}" y="{}" font-size="12" fill="#444444">No bus has a result.</text>"##,
            TOP + 13.0
        );
    }
    s.push_str("</svg>");
    let note = if fed.len() > shown.len() {
        format!(
            "The {} buses with the highest Ik'' of {} with a result; the tables list them all.",
            shown.len(),
            fed.len()
        )
    } else {
        format!(
            "All {} buses with a result, highest Ik'' first, coloured by voltage level.",
            fed.len()
        )
    };
    Figure { svg: s, note }
}
