//! Symbols, drawn with presentation attributes only (pages forbid inline styles by CSP).
//! Coordinates: `x` is the slot, `y` the bar; devices hang below the bar, external grids stand
//! above it, branch symbols sit on the connector just below the hub's bar.

use super::text::Num;
use std::fmt::{self, Write};

pub const PAPER: &str = "#ffffff";
/// Hanging symbols: stub length and symbol centre below the bar.
const STUB: f64 = 14.0;
const CENTRE: f64 = 26.0;
const R: f64 = 12.0;
/// Baseline of a device label below the bar (inside the layout's symbol band).
pub const DEVICE_LABEL_DY: f64 = 52.0;
/// Baseline of the label beside a branch symbol.
pub const BRANCH_LABEL_DY: f64 = 42.0;

fn stub(o: &mut String, x: f64, y: f64, len: f64, ink: &str) -> fmt::Result {
    write!(
        o,
        r#"<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="{ink}" stroke-width="1.5"/>"#,
        x = Num(x),
        y1 = Num(y),
        y2 = Num(y + len),
    )
}

fn circle(o: &mut String, x: f64, y: f64, r: f64, ink: &str, fill: &str) -> fmt::Result {
    write!(
        o,
        r#"<circle cx="{}" cy="{}" r="{}" fill="{fill}" stroke="{ink}" stroke-width="1.5"/>"#,
        Num(x),
        Num(y),
        Num(r)
    )
}

/// A letter inside a symbol.
fn letter(o: &mut String, x: f64, baseline: f64, s: &str, ink: &str) -> fmt::Result {
    write!(
        o,
        r#"<text x="{}" y="{}" font-size="12" font-weight="bold" text-anchor="middle" fill="{ink}">{s}</text>"#,
        Num(x),
        Num(baseline)
    )
}

/// A small "~" centred on (x, y).
fn tilde(o: &mut String, x: f64, y: f64, ink: &str) -> fmt::Result {
    write!(
        o,
        r#"<path d="M{} {}q2 -3 4 0t4 0" fill="none" stroke="{ink}" stroke-width="1.2"/>"#,
        Num(x - 4.0),
        Num(y)
    )
}

fn segment(o: &mut String, (x1, y1): (f64, f64), (x2, y2): (f64, f64), ink: &str) -> fmt::Result {
    write!(
        o,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{ink}" stroke-width="1"/>"#,
        Num(x1),
        Num(y1),
        Num(x2),
        Num(y2)
    )
}

/// External grid: a hatched box on a stub above the bar.
pub fn external_grid(o: &mut String, x: f64, y: f64, ink: &str) -> fmt::Result {
    const W: f64 = 28.0;
    const H: f64 = 16.0;
    stub(o, x, y - 12.0, 12.0, ink)?;
    let (x0, y0) = (x - W / 2.0, y - 12.0 - H);
    write!(
        o,
        r#"<rect x="{}" y="{}" width="{W}" height="{H}" fill="{PAPER}" stroke="{ink}" stroke-width="1.5"/>"#,
        Num(x0),
        Num(y0)
    )?;
    // Hatch lines u + v = c inside the box (u right, v down from its top left corner).
    for c in [7.0, 14.0, 21.0, 28.0, 35.0] {
        let start = (x0 + (c - H).max(0.0), y0 + c.min(H));
        let end = (x0 + c.min(W), y0 + c - c.min(W));
        segment(o, start, end, ink)?;
    }
    Ok(())
}

/// Synchronous generator: circle with "G" and "~".
pub fn generator(o: &mut String, x: f64, y: f64, ink: &str) -> fmt::Result {
    stub(o, x, y, STUB, ink)?;
    let cy = y + CENTRE;
    circle(o, x, cy, R, ink, PAPER)?;
    letter(o, x, cy + 1.0, "G", ink)?;
    tilde(o, x, cy + 6.0, ink)
}

/// Asynchronous motor: circle with "M".
pub fn motor(o: &mut String, x: f64, y: f64, ink: &str) -> fmt::Result {
    stub(o, x, y, STUB, ink)?;
    let cy = y + CENTRE;
    circle(o, x, cy, R, ink, PAPER)?;
    letter(o, x, cy + 3.5, "M", ink)
}

/// Asynchronous (or doubly fed asynchronous) generator: circle with "GA".
pub fn async_generator(o: &mut String, x: f64, y: f64, ink: &str) -> fmt::Result {
    stub(o, x, y, STUB, ink)?;
    let cy = y + CENTRE;
    circle(o, x, cy, R, ink, PAPER)?;
    letter(o, x, cy + 3.5, "GA", ink)
}

/// Static generator (inverter): box split by a diagonal, "~" above it and "=" below.
pub fn static_generator(o: &mut String, x: f64, y: f64, ink: &str) -> fmt::Result {
    stub(o, x, y, STUB - 1.0, ink)?;
    let cy = y + CENTRE;
    write!(
        o,
        r#"<rect x="{}" y="{}" width="22" height="22" fill="{PAPER}" stroke="{ink}" stroke-width="1.5"/>"#,
        Num(x - 11.0),
        Num(cy - 11.0)
    )?;
    segment(o, (x - 11.0, cy + 11.0), (x + 11.0, cy - 11.0), ink)?;
    tilde(o, x - 5.0, cy - 5.0, ink)?;
    segment(o, (x + 2.0, cy + 4.0), (x + 8.0, cy + 4.0), ink)?;
    segment(o, (x + 2.0, cy + 7.0), (x + 8.0, cy + 7.0), ink)
}

/// Load: an arrow pointing away from the bar.
pub fn load(o: &mut String, x: f64, y: f64, ink: &str) -> fmt::Result {
    stub(o, x, y, 24.0, ink)?;
    write!(
        o,
        r#"<path d="M{} {}h12l-6 12z" fill="{ink}" stroke="{ink}" stroke-width="1"/>"#,
        Num(x - 6.0),
        Num(y + 24.0)
    )
}

/// Storage unit (battery): a box holding a long and a short plate.
pub fn storage(o: &mut String, x: f64, y: f64, ink: &str) -> fmt::Result {
    stub(o, x, y, STUB - 1.0, ink)?;
    let cy = y + CENTRE;
    write!(
        o,
        r#"<rect x="{}" y="{}" width="22" height="22" fill="{PAPER}" stroke="{ink}" stroke-width="1.5"/>"#,
        Num(x - 11.0),
        Num(cy - 11.0)
    )?;
    segment(o, (x - 7.0, cy - 3.0), (x + 7.0, cy - 3.0), ink)?;
    segment(o, (x - 4.0, cy + 2.0), (x + 4.0, cy + 2.0), ink)?;
    segment(o, (x, cy - 11.0), (x, cy - 3.0), ink)?;
    segment(o, (x, cy + 2.0), (x, cy + 11.0), ink)
}

/// Shunt: a stub down to two plates and an earth mark below.
pub fn shunt(o: &mut String, x: f64, y: f64, ink: &str) -> fmt::Result {
    stub(o, x, y, 20.0, ink)?;
    segment(o, (x - 9.0, y + 20.0), (x + 9.0, y + 20.0), ink)?;
    segment(o, (x - 9.0, y + 25.0), (x + 9.0, y + 25.0), ink)?;
    stub(o, x, y + 25.0, 8.0, ink)?;
    segment(o, (x - 7.0, y + 33.0), (x + 7.0, y + 33.0), ink)?;
    segment(o, (x - 4.0, y + 36.0), (x + 4.0, y + 36.0), ink)?;
    segment(o, (x - 1.5, y + 39.0), (x + 1.5, y + 39.0), ink)
}

/// Ward equivalent: a box with its letters (`W`, `XW`), the equivalent of a network beyond.
pub fn ward(o: &mut String, x: f64, y: f64, letters: &str, ink: &str) -> fmt::Result {
    stub(o, x, y, STUB, ink)?;
    let cy = y + CENTRE;
    write!(
        o,
        r#"<rect x="{}" y="{}" width="24" height="20" fill="{PAPER}" stroke="{ink}" stroke-width="1.5" stroke-dasharray="3 2"/>"#,
        Num(x - 12.0),
        Num(cy - 12.0)
    )?;
    letter(o, x, cy + 2.0, letters, ink)
}

/// Series impedance: a rectangle on the connector below the hub's bar, with a white backing
/// that hides the connector inside it.
pub fn impedance(o: &mut String, x: f64, y: f64, ink: &str) -> fmt::Result {
    write!(
        o,
        r#"<rect x="{}" y="{}" width="10" height="22" fill="{PAPER}" stroke="{ink}" stroke-width="1.5"/>"#,
        Num(x - 5.0),
        Num(y + 26.0)
    )
}

/// Two-winding transformer: two overlapping circles on the connector below the hub's bar. A
/// white backing hides the connector inside the circles.
pub fn transformer(o: &mut String, x: f64, y: f64, ink: &str) -> fmt::Result {
    write!(
        o,
        r#"<rect class="mask" x="{}" y="{}" width="18" height="30" fill="{PAPER}" stroke="none"/>"#,
        Num(x - 9.0),
        Num(y + 23.0)
    )?;
    circle(o, x, y + 32.0, 8.0, ink, "none")?;
    circle(o, x, y + 44.0, 8.0, ink, "none")
}

/// Three-winding transformer: three overlapping circles, the top one towards the hub's bar.
pub fn transformer3w(o: &mut String, x: f64, y: f64, ink: &str) -> fmt::Result {
    write!(
        o,
        r#"<rect class="mask" x="{}" y="{}" width="28" height="25" fill="{PAPER}" stroke="none"/>"#,
        Num(x - 14.0),
        Num(y + 23.0)
    )?;
    circle(o, x, y + 31.0, 7.0, ink, "none")?;
    circle(o, x - 6.0, y + 41.0, 7.0, ink, "none")?;
    circle(o, x + 6.0, y + 41.0, 7.0, ink, "none")
}

/// Switch: a small square centred on (x, y), filled when closed.
pub fn switch(o: &mut String, x: f64, y: f64, closed: bool, ink: &str) -> fmt::Result {
    let fill = if closed { ink } else { PAPER };
    write!(
        o,
        r#"<rect x="{}" y="{}" width="8" height="8" fill="{fill}" stroke="{ink}" stroke-width="1.5"/>"#,
        Num(x - 4.0),
        Num(y - 4.0)
    )
}
