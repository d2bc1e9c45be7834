//! One-line (single-line) diagrams of a [`Circuit`] as standalone SVG, rendered on the server.
//! Pure: no I/O, deterministic (same circuit, same bytes), linear-ish in the circuit size.
//!
//! # Drawing
//! - Bus: a thick horizontal bar, wider with more attachments; its name and voltage to its
//!   left (the id when it has no name; name and id when another bus has the same name), and
//!   the annotation label (e.g. `Ik'' 12.3 kA`) below those in its band's colour, which the
//!   bar takes too (see `annotations.rs`).
//! - Text: never smaller than [`MIN_FONT`] diagram units (bus names larger), so that at the
//!   pages' smallest zoom (1 unit = 1 CSS pixel) every label is at least 12 px.
//! - Line or cable: an orthogonal connector between two bars, labelled beside it.
//! - Two-winding transformer: two overlapping circles on its connector, below the upper bus.
//! - Three-winding transformer: three circles below its highest-drawn bus; the connectors to
//!   the two others leave from the lower circles, one each, and never cross (`winding.rs`).
//! - Series impedance: a rectangle on its connector, below the upper bus.
//! - External grid: a hatched box above its bar. Generator: circle with `G` and `~`. Static
//!   generator: box with a diagonal, `~` and `=`. Motor: circle with `M`. Load: an arrow.
//!   Asynchronous static generator: circle with `GA`. Storage unit: box with battery plates. Shunt: plates above an earth mark. Ward and
//!   extended ward equivalents: a dashed box with `W` or `XW`.
//!   Devices hang below their bar with their name underneath.
//! - Switch: a small square, filled when closed and white when open, on the connector next
//!   to its bus; a bus-bus switch is drawn as a coupler between the two bars with the square
//!   in the middle (its tooltip names an impedance z_ohm).
//! - Out-of-service elements: grey and dashed.
//!
//! Elements that cannot be placed are left out rather than failing: lines, transformers and
//! couplers whose buses are unknown or all the same (self loops), and switches on an element
//! they are not a terminal of. The validator reports all of these.
//!
//! # Layout
//! See `layering.rs` (rows by distance from the sources, highest voltage on top, islands side
//! by side, barycentre ordering) and `layout.rs` (bar widths, positions, connector tracks).
//! Bus `layout` positions are used only when every bus has one: then rows follow their y and
//! the order within a row their x, while spacing is still computed so that labels fit.
//!
//! # Page integration
//! The output is meant to be inlined in pages served with `style-src 'self'`: no `style`
//! attributes or elements, no scripts or event handlers, no external references; colours and
//! fonts are presentation attributes, which page CSS may override. Class names:
//! - root `svg.one-line` (`one-line empty` for the no-bus message); `g.legend`.
//! - layers `g.links`, `g.devices`, `g.buses`, `g.switches`.
//! - `g.bus` with `data-bus` (the bus id), `id` = prefix + `bus-` + the bus id with every
//!   character other than ASCII letters, digits and `-` written as `_hex_` (a repeated bus id
//!   gets `_dup<index>` appended), a `<title>` tooltip, and modifiers `oos`, `highlight`,
//!   `annotated`; inside it `line.bus-bar`, `text.bus-name`, `text.bus-kv`, `text.bus-value`.
//!   The highlighted bus also gets a `rect.bus-highlight` drawn beneath all layers.
//! - `g.link` with `data-element` and one of `line`, `transformer`, `transformer3w`,
//!   `impedance`, `coupler` (couplers also `closed` or `open`), modifier `oos`; `rect.mask` is the white
//!   backing of transformer circles.
//! - `g.device` with `data-element`, `data-bus` and one of `ext-grid`, `generator`,
//!   `static-generator`, `storage`, `motor`, `load`, `shunt`, `ward`, `xward`, modifier `oos`.
//! - `g.switch` with `data-element`, `data-bus`, `closed` or `open`, modifier `oos`.

mod annotations;
mod layering;
mod layout;
mod model;
mod neighbourhood;
mod svg;
mod symbols;
mod text;
mod tracks;
mod winding;

#[cfg(test)]
mod tests;

pub use annotations::{
    Annotations, BAND_COLOURS, BAND_LIMITS_KA, BusAnnotation, LegendEntry, band_caption, band_of,
    level_colour,
};
pub use neighbourhood::neighbourhood;
pub use text::{MIN_FONT, decimals, three_digits};

use crate::sc::Circuit;

/// Above this many buses, pages show a searchable table and the [`neighbourhood`] of one bus
/// instead of the whole diagram.
pub const MAX_FULL_DIAGRAM_BUSES: usize = 300;

/// Rendering choices that do not depend on the circuit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Bus id to mark (e.g. the centre of a neighbourhood or a search hit).
    pub highlight_bus: Option<String>,
    /// Prefix of every `id` in the document, so that several diagrams can share a page. Only
    /// ASCII letters, digits, `-` and `_` are kept.
    pub id_prefix: String,
    /// Draw the legend of the annotations inside the SVG (top left), for documents that show
    /// the SVG alone (the study report). Pages show the legend as HTML beside the diagram
    /// instead, where it stays in view while the diagram is zoomed and panned.
    pub svg_legend: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            highlight_bus: None,
            id_prefix: "sld-".into(),
            svg_legend: false,
        }
    }
}

/// The one-line diagram of `circuit` as a standalone `<svg>` element. With `annotations`, the
/// annotated buses get their label and their band's colour; with `options.svg_legend` the
/// legend of the bands is drawn at the top left.
pub fn render(
    circuit: &Circuit,
    annotations: Option<&Annotations>,
    options: &RenderOptions,
) -> String {
    if circuit.buses.is_empty() {
        return svg::message_document(&svg::id_prefix(&options.id_prefix), "No buses yet");
    }
    let model = model::Model::new(circuit);
    let layout = layout::Layout::new(&model, annotations, options.svg_legend);
    svg::document(&model, &layout, annotations, options)
}
