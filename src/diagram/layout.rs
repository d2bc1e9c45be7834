//! Geometry: bar widths from their attachments, x positions, connector tracks (assigned in
//! [`super::tracks`]) and row heights.
//!
//! Every bar is a row of slots, one per attachment, on its top side (external grids, links
//! from the row above) or its bottom side (devices, links to the row below or within the row).
//! A link is drawn from its upper bus (the hub; for a three-winding transformer the hub is the
//! winding in the highest row and both other windings leave from the same slot) straight down
//! to a horizontal track, along it, and into the other bus. Tracks are assigned per channel
//! between two rows so that horizontals never lie on top of each other.
//!
//! x positions come from three passes (down, up, down): each bus is pulled towards the slots it
//! connects to, then the row is made non-overlapping with the least total displacement
//! (isotonic regression by pool-adjacent-violators), which is linear in the row length.

use super::annotations::Annotations;
use super::layering::{self, Layering};
use super::model::{DeviceKind, Model};
use super::text;
use super::tracks::{Span, down_tracks, within_tracks};
use super::winding;

/// Horizontal space per attachment on a bar.
pub const SLOT_W: f64 = 88.0;
const MIN_BAR: f64 = 100.0;
/// Between the box of one bus (label and bar) and the next.
const BUS_GAP: f64 = 32.0;
const ISLAND_GAP: f64 = 64.0;
/// Below a bar: device symbols with their labels, branch symbols and end switches.
pub const SYMBOL_BAND: f64 = 62.0;
/// Above a bar whose row holds an external grid.
pub const GRID_BAND: f64 = 44.0;
/// Above a bar: the bus name and clearance from the tracks.
const LABEL_TOP: f64 = 26.0;
const TRACK: f64 = 8.0;
pub const MARGIN: f64 = 16.0;
/// Labels beside a connector in a bar's last slot may reach past the bar.
const SIDE_OVERHANG: f64 = 24.0;
pub const LEGEND_H: f64 = 40.0;
pub use super::text::{LABEL_FONT as SMALL_FONT, NAME_FONT};
/// Between a bus's text and its bar.
pub const LABEL_GAP: f64 = 8.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Top,
    Bottom,
}

/// Where a bus is drawn: its bar from `x` to `x + width` at height `y`, the label left of it.
#[derive(Debug, Clone, Copy, Default)]
pub struct BusPlace {
    pub row: usize,
    pub x: f64,
    pub width: f64,
    pub y: f64,
    pub label_w: f64,
}

impl BusPlace {
    pub fn box_left(&self) -> f64 {
        self.x - self.label_w
    }
    pub fn box_right(&self) -> f64 {
        self.x + self.width
    }
}

/// One way out of a link's hub: down from the hub to `track_y`, across to `x`, into the bar.
#[derive(Debug, Clone, Copy)]
pub struct Leg {
    pub bus: usize,
    /// Where the leg leaves the hub's column: the hub's x, or for a three-winding
    /// transformer the bottom of one of its lower circles (see `winding.rs`).
    pub start_x: f64,
    pub x: f64,
    pub y: f64,
    pub track_y: f64,
    /// The leg enters its bar from below (same row as the hub).
    pub from_below: bool,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub hub: usize,
    pub x: f64,
    pub y: f64,
    pub legs: Vec<Leg>,
}

#[derive(Debug, Clone, Copy)]
pub struct DevicePlace {
    pub x: f64,
    /// The bar's y.
    pub y: f64,
    pub side: Side,
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub buses: Vec<BusPlace>,
    /// One per model link.
    pub routes: Vec<Route>,
    /// One per model device.
    pub devices: Vec<DevicePlace>,
    /// Space for a legend at the top left.
    pub legend: bool,
}

/// Slot offsets from the bar's left end, filled in bus by bus.
struct Slots {
    hub: Vec<f64>,
    /// Per link: (bus, offset, enters from below).
    legs: Vec<Vec<(usize, f64, bool)>>,
    devices: Vec<(f64, Side)>,
}

/// What one slot holds, before the bar's slots are numbered.
#[derive(Debug, Clone, Copy)]
enum Use {
    Device(usize),
    Hub(usize),
    Leg(usize),
}

impl Layout {
    /// `legend`: leave room for the legend of `annotations` at the top left.
    pub fn new(model: &Model, annotations: Option<&Annotations>, legend: bool) -> Layout {
        let n = model.circuit.buses.len();
        let adj = layering::adjacency(model);
        let lay = layering::layer(model, &adj);
        let hubs: Vec<usize> = model
            .links
            .iter()
            .map(|l| {
                // min_by_key keeps the first of equals: the hv or from bus in a tie.
                l.buses
                    .iter()
                    .copied()
                    .min_by_key(|&b| lay.row[b])
                    .unwrap_or(0)
            })
            .collect();
        let mut slots = Slots {
            hub: vec![0.0; model.links.len()],
            legs: vec![Vec::new(); model.links.len()],
            devices: vec![(0.0, Side::Bottom); model.devices.len()],
        };
        let mut buses = vec![BusPlace::default(); n];
        for (b, place) in buses.iter_mut().enumerate() {
            place.row = lay.row[b];
            place.width = plan_bar(b, model, &lay, &hubs, &mut slots);
            place.label_w = label_width(model, b, annotations);
        }
        let legend_w = annotations
            .filter(|a| legend && !a.is_empty())
            .map(super::svg::legend_width);
        let legend = legend_w.is_some();
        let mut left = MARGIN;
        for rows in &lay.islands {
            let right = place_island(rows, &mut buses, model, &hubs, &slots, left);
            left = right + ISLAND_GAP;
        }
        let mut routes = routes(model, &hubs, &slots, &buses);
        winding::assign_exits(model, &mut routes);
        let height = assign_heights(model, &mut buses, &mut routes, legend);
        winding::untangle(model, &mut routes);
        let devices = model
            .devices
            .iter()
            .zip(&slots.devices)
            .map(|(d, &(off, side))| DevicePlace {
                x: buses[d.bus].x + off,
                y: buses[d.bus].y,
                side,
            })
            .collect();
        let right = buses.iter().map(|b| b.box_right()).fold(0.0, f64::max);
        let min_w = legend_w.unwrap_or(0.0);
        Layout {
            width: (right + SIDE_OVERHANG + MARGIN).max(min_w + 2.0 * MARGIN),
            height,
            buses,
            routes,
            devices,
            legend,
        }
    }
}

/// Text widths of the bus label block (name, voltage, annotation) plus the gap to the bar.
fn label_width(model: &Model, b: usize, annotations: Option<&Annotations>) -> f64 {
    let bus = &model.circuit.buses[b];
    let label = model.bus_label(b);
    let name = text::truncate(&label, text::BUS_NAME_CHARS);
    let mut w = text::width(&name, NAME_FONT).max(text::width(&text::kv(bus.vn_kv), SMALL_FONT));
    if let Some(a) = annotations.and_then(|a| a.get(&bus.id)) {
        w = w.max(text::width(&a.label, SMALL_FONT));
    }
    w + LABEL_GAP
}

/// Orders the slots of bus `b`, records their offsets and returns the bar width.
///
/// Bottom, left to right: links within the row going left, devices, links down, links within
/// the row going right. Top: external grids, then links from above. The top slots are shifted
/// so that the first link from above sits over the first link down, which keeps feeders
/// straight.
fn plan_bar(b: usize, model: &Model, lay: &Layering, hubs: &[usize], slots: &mut Slots) -> f64 {
    let row = &lay.row;
    let pos = |x: usize| lay.pos[x] as f64;
    let mut top: Vec<(f64, usize, Use)> = Vec::new();
    let mut grids = Vec::new();
    let mut devices = Vec::new();
    let (mut left, mut down, mut right) = (Vec::new(), Vec::new(), Vec::new());
    for &d in &model.bus_devices[b] {
        if model.devices[d].kind == DeviceKind::ExternalGrid {
            grids.push(Use::Device(d));
        } else {
            devices.push(Use::Device(d));
        }
    }
    for &l in &model.bus_links[b] {
        let hub = hubs[l];
        if hub == b {
            let others: Vec<usize> = model.links[l]
                .buses
                .iter()
                .copied()
                .filter(|&o| o != b)
                .collect();
            match others.iter().find(|&&o| row[o] == row[b]) {
                Some(&o) if pos(o) < pos(b) => left.push((pos(o), l, Use::Hub(l))),
                Some(&o) => right.push((pos(o), l, Use::Hub(l))),
                None => {
                    let key =
                        others.iter().map(|&o| pos(o)).sum::<f64>() / others.len().max(1) as f64;
                    down.push((key, l, Use::Hub(l)));
                }
            }
        } else if row[hub] < row[b] {
            top.push((pos(hub), l, Use::Leg(l)));
        } else if pos(hub) < pos(b) {
            left.push((pos(hub), l, Use::Leg(l)));
        } else {
            right.push((pos(hub), l, Use::Leg(l)));
        }
    }
    for group in [&mut top, &mut left, &mut down, &mut right] {
        group.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    }
    let first_down = (!down.is_empty()).then_some(left.len() + devices.len());
    let bottom: Vec<Use> = left
        .iter()
        .map(|g| g.2)
        .chain(devices)
        .chain(down.iter().chain(&right).map(|g| g.2))
        .collect();
    let first_up = (!top.is_empty()).then_some(grids.len());
    let top: Vec<Use> = grids.into_iter().chain(top.iter().map(|g| g.2)).collect();
    let grid = top.len().max(bottom.len()).max(1);
    let width = (grid as f64 * SLOT_W).max(MIN_BAR);
    let pad = (width - grid as f64 * SLOT_W) / 2.0;
    let spare = (grid - top.len()) as f64;
    let shift = match (first_down, first_up) {
        (Some(d), Some(u)) => (d.saturating_sub(u) as f64).min(spare),
        _ => spare / 2.0,
    };
    let offset = |i: f64| pad + (i + 0.5) * SLOT_W;
    for (i, u) in top.iter().enumerate() {
        record(b, *u, offset(i as f64 + shift), Side::Top, slots);
    }
    for (i, u) in bottom.iter().enumerate() {
        record(b, *u, offset(i as f64), Side::Bottom, slots);
    }
    width
}

fn record(b: usize, u: Use, offset: f64, side: Side, slots: &mut Slots) {
    match u {
        Use::Device(d) => slots.devices[d] = (offset, side),
        Use::Hub(l) => slots.hub[l] = offset,
        Use::Leg(l) => slots.legs[l].push((b, offset, side == Side::Bottom)),
    }
}

/// Which bar position each link end pulls a bus towards.
struct Pulls<'a> {
    model: &'a Model<'a>,
    hubs: &'a [usize],
    slots: &'a Slots,
}

impl Pulls<'_> {
    /// Bar left of `b` that puts its slots under the hubs above it.
    fn towards_above(&self, b: usize, buses: &[BusPlace]) -> Option<f64> {
        let mut targets = Vec::new();
        for &l in &self.model.bus_links[b] {
            let hub = self.hubs[l];
            if hub == b || buses[hub].row >= buses[b].row {
                continue;
            }
            for &(leg, off, _) in &self.slots.legs[l] {
                if leg == b {
                    targets.push(buses[hub].x + self.slots.hub[l] - off);
                }
            }
        }
        mean(&targets)
    }

    /// Bar left of `b` that puts its hub slots over the buses below it.
    fn towards_below(&self, b: usize, buses: &[BusPlace]) -> Option<f64> {
        let mut targets = Vec::new();
        for &l in &self.model.bus_links[b] {
            if self.hubs[l] != b {
                continue;
            }
            for &(leg, off, _) in &self.slots.legs[l] {
                if buses[leg].row > buses[b].row {
                    targets.push(buses[leg].x + off - self.slots.hub[l]);
                }
            }
        }
        mean(&targets)
    }
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Places one island starting at `left`; returns its right edge.
fn place_island(
    rows: &[Vec<usize>],
    buses: &mut [BusPlace],
    model: &Model,
    hubs: &[usize],
    slots: &Slots,
    left: f64,
) -> f64 {
    let pulls = Pulls { model, hubs, slots };
    for row in rows {
        let mut x = 0.0;
        for &b in row {
            buses[b].x = x + buses[b].label_w;
            x += buses[b].label_w + buses[b].width + BUS_GAP;
        }
    }
    for row in rows.iter().skip(1) {
        place_row(row, buses, |b, p| pulls.towards_above(b, p), true);
    }
    for row in rows.iter().rev().skip(1) {
        place_row(row, buses, |b, p| pulls.towards_below(b, p), false);
    }
    for row in rows.iter().skip(1) {
        place_row(row, buses, |b, p| pulls.towards_above(b, p), true);
    }
    let members = || rows.iter().flatten().copied();
    let min = members()
        .map(|b| buses[b].box_left())
        .fold(f64::INFINITY, f64::min);
    let shift = if min.is_finite() { left - min } else { left };
    for b in members() {
        buses[b].x += shift;
    }
    members().map(|b| buses[b].box_right()).fold(left, f64::max)
}

/// Moves the buses of one row as close as possible to where `pull` wants their bars while
/// keeping order and gaps. Buses without a pull either follow their left neighbour
/// (`pack_free`) or stay where they are.
fn place_row(
    row: &[usize],
    buses: &mut [BusPlace],
    pull: impl Fn(usize, &[BusPlace]) -> Option<f64>,
    pack_free: bool,
) {
    let widths: Vec<f64> = row
        .iter()
        .map(|&b| buses[b].label_w + buses[b].width)
        .collect();
    let mut want: Vec<Option<f64>> = row
        .iter()
        .map(|&b| pull(b, buses).map(|x| x - buses[b].label_w))
        .collect();
    if pack_free && want.iter().any(Option::is_some) {
        for i in 1..want.len() {
            if want[i].is_none() {
                want[i] = want[i - 1].map(|x| x + widths[i - 1] + BUS_GAP);
            }
        }
        for i in (0..want.len().saturating_sub(1)).rev() {
            if want[i].is_none() {
                want[i] = want[i + 1].map(|x| x - widths[i] - BUS_GAP);
            }
        }
    }
    let desired: Vec<f64> = row
        .iter()
        .zip(&want)
        .map(|(&b, w)| w.unwrap_or_else(|| buses[b].box_left()))
        .collect();
    let mut xs = non_overlapping(&desired, &widths, BUS_GAP);
    snap(&mut xs, &desired, &widths);
    for (&b, x) in row.iter().zip(xs) {
        buses[b].x = x + buses[b].label_w;
    }
}

/// Moves boxes that ended up a few pixels off their wish onto it when a smaller gap allows:
/// a jog of two pixels in a connector looks like a mistake, a slightly narrower gap does not.
fn snap(xs: &mut [f64], desired: &[f64], widths: &[f64]) {
    const SNAP: f64 = 16.0;
    const MIN_GAP: f64 = BUS_GAP / 2.0;
    for i in 0..xs.len() {
        let d = desired[i];
        let left_ok = i == 0 || d >= xs[i - 1] + widths[i - 1] + MIN_GAP;
        let right_ok = i + 1 == xs.len() || d + widths[i] + MIN_GAP <= xs[i + 1];
        if (xs[i] - d).abs() < SNAP && left_ok && right_ok {
            xs[i] = d;
        }
    }
}

/// Least-squares closest positions to `desired` with `x[i+1] >= x[i] + widths[i] + gap`.
/// Substituting y[i] = x[i] - (sum of earlier widths and gaps) turns this into isotonic
/// regression, solved by pooling adjacent violators.
fn non_overlapping(desired: &[f64], widths: &[f64], gap: f64) -> Vec<f64> {
    let mut offsets = Vec::with_capacity(widths.len());
    let mut acc = 0.0;
    for w in widths {
        offsets.push(acc);
        acc += w + gap;
    }
    // Blocks of pooled values: (sum, count).
    let mut blocks: Vec<(f64, usize)> = Vec::new();
    for (d, o) in desired.iter().zip(&offsets) {
        blocks.push((d - o, 1));
        while let [.., (s1, c1), (s2, c2)] = blocks[..] {
            if s1 / c1 as f64 <= s2 / c2 as f64 {
                break;
            }
            blocks.pop();
            if let Some(last) = blocks.last_mut() {
                *last = (s1 + s2, c1 + c2);
            }
        }
    }
    let mut out = Vec::with_capacity(desired.len());
    for (s, c) in blocks {
        out.extend(std::iter::repeat_n(s / c as f64, c));
    }
    out.iter_mut().zip(&offsets).for_each(|(y, o)| *y += o);
    out
}

/// Routes with x positions; track heights are filled in by [`assign_heights`].
fn routes(model: &Model, hubs: &[usize], slots: &Slots, buses: &[BusPlace]) -> Vec<Route> {
    (0..model.links.len())
        .map(|l| {
            let hub = hubs[l];
            let x = buses[hub].x + slots.hub[l];
            let legs = slots.legs[l]
                .iter()
                .map(|&(bus, off, from_below)| Leg {
                    bus,
                    start_x: x,
                    x: buses[bus].x + off,
                    y: 0.0,
                    track_y: 0.0,
                    from_below,
                })
                .collect();
            Route {
                hub,
                x,
                y: 0.0,
                legs,
            }
        })
        .collect()
}

/// Assigns tracks, then row heights; sets every y and returns the total height.
fn assign_heights(
    model: &Model,
    buses: &mut [BusPlace],
    routes: &mut [Route],
    legend: bool,
) -> f64 {
    let rows = buses.iter().map(|b| b.row + 1).max().unwrap_or(0);
    // Channel c lies below row c: horizontals of links within row c (`within`) near the top,
    // horizontals of links into row c + 1 (`down`) near the bottom.
    let mut within: Vec<Vec<Span>> = vec![Vec::new(); rows];
    let mut down: Vec<Vec<Span>> = vec![Vec::new(); rows];
    for (r, route) in routes.iter().enumerate() {
        let hub_row = buses[route.hub].row;
        for (i, leg) in route.legs.iter().enumerate() {
            let leg_row = buses[leg.bus].row;
            let span = (r, i, leg.start_x, leg.x);
            if leg_row == hub_row {
                within[hub_row].push(span);
            } else {
                down[leg_row - 1].push(span);
            }
        }
    }
    let within: Vec<(Vec<Span>, Vec<usize>, usize)> =
        within.into_iter().map(within_tracks).collect();
    let down: Vec<(Vec<Span>, Vec<usize>, usize)> = down.into_iter().map(down_tracks).collect();
    let mut grid_rows = vec![false; rows];
    for d in &model.devices {
        if d.kind == DeviceKind::ExternalGrid {
            grid_rows[buses[d.bus].row] = true;
        }
    }
    let band = |r: usize| if grid_rows[r] { GRID_BAND } else { 0.0 };
    let mut ys = Vec::with_capacity(rows);
    let mut y = MARGIN + if legend { LEGEND_H } else { 0.0 } + LABEL_TOP;
    for r in 0..rows {
        if r > 0 {
            y += SYMBOL_BAND + TRACK * (within[r - 1].2 + down[r - 1].2) as f64 + LABEL_TOP;
        }
        y += band(r);
        ys.push(y);
    }
    for b in buses.iter_mut() {
        b.y = ys[b.row];
    }
    for route in routes.iter_mut() {
        route.y = ys[buses[route.hub].row];
        for leg in route.legs.iter_mut() {
            leg.y = ys[buses[leg.bus].row];
        }
    }
    for (c, (spans, tracks, _)) in within.iter().enumerate() {
        for (&(r, i, _, _), &t) in spans.iter().zip(tracks) {
            routes[r].legs[i].track_y = ys[c] + SYMBOL_BAND + TRACK * t as f64;
        }
    }
    for (c, (spans, tracks, _)) in down.iter().enumerate() {
        for (&(r, i, _, _), &t) in spans.iter().zip(tracks) {
            routes[r].legs[i].track_y = ys[c + 1] - band(c + 1) - LABEL_TOP - TRACK * t as f64;
        }
    }
    let last = rows.saturating_sub(1);
    ys.last().copied().unwrap_or(MARGIN)
        + SYMBOL_BAND
        + within.get(last).map_or(0, |w| w.2) as f64 * TRACK
        + MARGIN
}

#[cfg(test)]
mod tests {
    use super::non_overlapping;

    #[test]
    fn rows_keep_order_and_gaps_with_least_movement() {
        let x = non_overlapping(&[0.0, 0.0, 0.0], &[10.0, 10.0, 10.0], 2.0);
        assert_eq!(x, vec![-12.0, 0.0, 12.0]);
        let x = non_overlapping(&[0.0, 100.0], &[10.0, 10.0], 2.0);
        assert_eq!(x, vec![0.0, 100.0]);
    }
}
