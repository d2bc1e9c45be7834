//! The SVG document: layers of links, devices, buses and switches over the computed layout.
//! Every text goes through [`escape`]; nothing refers outside the document.

use super::RenderOptions;
use super::annotations::{Annotations, BusAnnotation};
use super::layout::{self, BusPlace, Layout, Route, Side};
use super::model::{Device, DeviceKind, Link, LinkKind, Model};
use super::symbols::{self, BRANCH_LABEL_DY, DEVICE_LABEL_DY};
use super::text::{self, Num, escape, truncate};
use super::winding;
use crate::sc::circuit::SwitchType;
use std::fmt::{self, Write};

const INK: &str = "#263238";
const MUTED: &str = "#546e7a";
/// Out of service; still 4.6:1 against white so that its text stays readable.
const OFF: &str = "#757575";
const HIGHLIGHT: &str = "#fff59d";
const OFF_DASH: &str = r#" stroke-dasharray="5 3""#;

pub fn document(
    model: &Model,
    layout: &Layout,
    annotations: Option<&Annotations>,
    options: &RenderOptions,
) -> String {
    let mut o = String::with_capacity(2048 + 1200 * model.circuit.buses.len());
    let prefix = id_prefix(&options.id_prefix);
    let drawn = write_document(&mut o, model, layout, annotations, options, &prefix);
    // Writing into a String cannot fail; keep a valid document even so.
    if drawn.is_err() {
        return message_document(&prefix, "Diagram unavailable");
    }
    o
}

/// A small document holding one message (empty circuits).
pub fn message_document(prefix: &str, message: &str) -> String {
    let m = escape(message);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 60" width="240" height="60" role="img" aria-labelledby="{prefix}title" class="one-line empty" font-family="sans-serif"><title id="{prefix}title">{m}</title><text x="120" y="35" font-size="14" text-anchor="middle" fill="{MUTED}">{m}</text></svg>"#
    )
}

/// Keeps the characters that are safe in an id without escaping.
pub fn id_prefix(p: &str) -> String {
    p.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect()
}

/// An id fragment for a bus id: letters, digits and `-` stay, everything else becomes `_hex_`,
/// so different bus ids never share an element id.
pub fn id_fragment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else {
            let _ = write!(out, "_{:x}_", c as u32);
        }
    }
    out
}

fn write_document(
    o: &mut String,
    model: &Model,
    layout: &Layout,
    annotations: Option<&Annotations>,
    options: &RenderOptions,
    prefix: &str,
) -> fmt::Result {
    let (w, h) = (Num(layout.width), Num(layout.height));
    write!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{prefix}title" aria-describedby="{prefix}desc" class="one-line" font-family="sans-serif" data-min-font="{}">"#,
        Num(text::MIN_FONT)
    )?;
    let name = &model.circuit.name;
    let title = if name.trim().is_empty() {
        "One-line diagram".to_string()
    } else {
        format!("One-line diagram: {name}")
    };
    write!(
        o,
        r#"<title id="{prefix}title">{}</title><desc id="{prefix}desc">{}</desc>"#,
        escape(&title),
        escape(&description(model))
    )?;
    if let Some(a) = annotations.filter(|_| layout.legend) {
        legend(o, a)?;
    }
    if let Some(b) = options
        .highlight_bus
        .as_deref()
        .and_then(|id| model.circuit.buses.iter().position(|bus| bus.id == id))
    {
        highlight_box(o, &layout.buses[b])?;
    }
    o.push_str(r#"<g class="links">"#);
    for (link, route) in model.links.iter().zip(&layout.routes) {
        link_group(o, model, link, route)?;
    }
    o.push_str(r#"</g><g class="devices">"#);
    for (d, place) in model.devices.iter().zip(&layout.devices) {
        device_group(o, model, d, place)?;
    }
    o.push_str(r#"</g><g class="buses">"#);
    let mut seen = std::collections::HashSet::new();
    for (b, place) in layout.buses.iter().enumerate() {
        let id = &model.circuit.buses[b].id;
        // Duplicate bus ids (a validation error) still get unique element ids.
        let mut element_id = format!("{prefix}bus-{}", id_fragment(id));
        if !seen.insert(id.as_str()) {
            write!(element_id, "_dup{b}")?;
        }
        let annotation = annotations.and_then(|a| a.get(id));
        let highlight = options.highlight_bus.as_deref() == Some(id.as_str());
        bus_group(o, model, b, place, &element_id, annotation, highlight)?;
    }
    o.push_str(r#"</g><g class="switches">"#);
    switches(o, model, layout)?;
    o.push_str("</g></svg>");
    Ok(())
}

/// A marker behind the highlighted bus's label and bar, under everything else so that it
/// never hides a symbol.
fn highlight_box(o: &mut String, place: &BusPlace) -> fmt::Result {
    write!(
        o,
        r#"<rect class="bus-highlight" x="{}" y="{}" width="{}" height="56" rx="4" fill="{HIGHLIGHT}" stroke="none"/>"#,
        Num(place.box_left() - 6.0),
        Num(place.y - 22.0),
        Num(place.label_w + place.width + 12.0)
    )
}

/// One sentence for screen readers: what the diagram contains.
fn description(model: &Model) -> String {
    let c = model.circuit;
    let count = |kind: LinkKind| model.links.iter().filter(|l| l.kind == kind).count();
    let sources = c.external_grids.len() + c.generators.len() + c.static_generators.len();
    let mut text = format!(
        "{} buses, {} lines, {} transformers, {} three-winding transformers, {} bus couplers, {} sources, {} motors, {} loads",
        c.buses.len(),
        count(LinkKind::Line),
        count(LinkKind::Transformer),
        count(LinkKind::Transformer3w),
        count(LinkKind::Coupler),
        sources,
        c.motors.len(),
        c.loads.len(),
    );
    // Kinds most circuits lack are named only when present.
    for (n, what) in [
        (count(LinkKind::Impedance), "series impedances"),
        (c.storages.len(), "storage units"),
        (c.shunts.len(), "shunts"),
        (c.wards.len() + c.xwards.len(), "ward equivalents"),
    ] {
        if n > 0 {
            text.push_str(&format!(", {n} {what}"));
        }
    }
    text.push_str(". Out-of-service elements are dashed.");
    text
}

/// The legend of the Ik'' bands, one row at the top left: the title, then per band a swatch
/// and its caption. [`legend_width`] is its width, for the layout.
fn legend(o: &mut String, a: &Annotations) -> fmt::Result {
    let (x, y) = (layout::MARGIN, layout::MARGIN);
    write!(
        o,
        r#"<g class="legend"><text x="{}" y="{}" font-size="{}" font-weight="bold" fill="{INK}">{}</text>"#,
        Num(x),
        Num(y + 20.0),
        Num(text::NAME_FONT),
        escape(&a.legend_title)
    )?;
    let mut at = x + text::width(&a.legend_title, text::NAME_FONT) + LEGEND_GAP;
    for entry in a.legend() {
        write!(
            o,
            r#"<rect class="legend-swatch" x="{}" y="{}" width="{SWATCH}" height="{SWATCH}" fill="{}" stroke="none"/><text x="{}" y="{}" font-size="{}" fill="{INK}">{}</text>"#,
            Num(at),
            Num(y + 9.0),
            entry.colour,
            Num(at + SWATCH + 5.0),
            Num(y + 20.0),
            Num(text::LABEL_FONT),
            escape(&entry.caption)
        )?;
        at += SWATCH + 5.0 + text::width(&entry.caption, text::LABEL_FONT) + LEGEND_GAP;
    }
    o.push_str("</g>");
    Ok(())
}

const SWATCH: f64 = 14.0;
const LEGEND_GAP: f64 = 16.0;

/// Width of [`legend`]'s row.
pub fn legend_width(a: &Annotations) -> f64 {
    let entries: f64 = a
        .legend()
        .iter()
        .map(|e| SWATCH + 5.0 + text::width(&e.caption, text::LABEL_FONT) + LEGEND_GAP)
        .sum();
    text::width(&a.legend_title, text::NAME_FONT) + LEGEND_GAP + entries
}

fn ink(in_service: bool) -> &'static str {
    if in_service { INK } else { OFF }
}

fn dash(in_service: bool) -> &'static str {
    if in_service { "" } else { OFF_DASH }
}

fn link_group(o: &mut String, model: &Model, link: &Link, route: &Route) -> fmt::Result {
    let info = model.link_info(link);
    let closed = link.kind != LinkKind::Coupler || model.circuit.switches[link.element].closed;
    let (class, kind) = match link.kind {
        LinkKind::Line => ("line", "Line"),
        LinkKind::Transformer => ("transformer", "Transformer"),
        LinkKind::Transformer3w => ("transformer3w", "Three-winding transformer"),
        LinkKind::Impedance => ("impedance", "Series impedance"),
        LinkKind::Coupler => ("coupler", "Bus coupler"),
    };
    let state = match (link.kind, closed) {
        (LinkKind::Coupler, true) => " closed",
        (LinkKind::Coupler, false) => " open",
        _ => "",
    };
    let oos = if info.in_service { "" } else { " oos" };
    write!(
        o,
        r#"<g class="link {class}{state}{oos}" data-element="{}"{}>"#,
        escape(info.id),
        dash(info.in_service)
    )?;
    let ends: Vec<_> = link.buses.iter().map(|&b| model.bus_label(b)).collect();
    let mut tip = format!("{kind} {}: {}", info.label, ends.join(" – "));
    if let Some(z) = (link.kind == LinkKind::Coupler)
        .then(|| model.circuit.switches[link.element].z_ohm)
        .flatten()
        .filter(|z| *z > 0.0)
    {
        tip.push_str(&format!(", impedance {} Ω", text::decimals(z, 3)));
    }
    if !closed {
        tip.push_str(", open");
    }
    if !info.in_service {
        tip.push_str(", out of service");
    }
    write!(o, "<title>{}</title>", escape(&tip))?;
    let colour = ink(info.in_service);
    if link.kind == LinkKind::Transformer3w {
        // One connection per winding: the hub's stub, then each leg from its own circle.
        for line in winding::connections(route) {
            o.push_str(r#"<path class="winding" d=""#);
            for (i, (x, y)) in line.iter().enumerate() {
                write!(
                    o,
                    "{}{} {}",
                    if i == 0 { "M" } else { "L" },
                    Num(*x),
                    Num(*y)
                )?;
            }
            write!(o, r#"" fill="none" stroke="{colour}" stroke-width="1.5"/>"#)?;
        }
    } else {
        for leg in &route.legs {
            write!(
                o,
                r#"<path d="M{} {}V{}H{}V{}" fill="none" stroke="{colour}" stroke-width="1.5"/>"#,
                Num(route.x),
                Num(route.y),
                Num(leg.track_y),
                Num(leg.x),
                Num(leg.y)
            )?;
        }
    }
    let (x, y) = (route.x, route.y);
    let side_label = truncate(info.label, text::SIDE_LABEL_CHARS);
    match link.kind {
        LinkKind::Line => side_text(o, x + 5.0, y + BRANCH_LABEL_DY, &side_label)?,
        LinkKind::Impedance => {
            symbols::impedance(o, x, y, colour)?;
            side_text(o, x + 9.0, y + BRANCH_LABEL_DY, &side_label)?;
        }
        LinkKind::Transformer => {
            symbols::transformer(o, x, y, colour)?;
            side_text(o, x + 11.0, y + BRANCH_LABEL_DY, &side_label)?;
        }
        LinkKind::Transformer3w => {
            symbols::transformer3w(o, x, y, colour)?;
            side_text(o, x + 15.0, y + BRANCH_LABEL_DY, &side_label)?;
        }
        LinkKind::Coupler => {
            if let Some(leg) = route.legs.first() {
                let mx = (x + leg.x) / 2.0;
                symbols::switch(o, mx, leg.track_y, closed, colour)?;
                write!(
                    o,
                    r#"<text x="{}" y="{}" font-size="12" text-anchor="middle" fill="{MUTED}">{}</text>"#,
                    Num(mx),
                    Num(leg.track_y - 8.0),
                    escape(&side_label)
                )?;
            }
        }
    }
    o.push_str("</g>");
    Ok(())
}

/// A small label to the right of a connector or symbol.
fn side_text(o: &mut String, x: f64, y: f64, s: &str) -> fmt::Result {
    write!(
        o,
        r#"<text x="{}" y="{}" font-size="12" fill="{MUTED}">{}</text>"#,
        Num(x),
        Num(y),
        escape(s)
    )
}

fn device_group(
    o: &mut String,
    model: &Model,
    d: &Device,
    place: &layout::DevicePlace,
) -> fmt::Result {
    let info = model.device_info(d);
    let (class, kind) = match d.kind {
        DeviceKind::ExternalGrid => ("ext-grid", "External grid"),
        DeviceKind::Generator => ("generator", "Generator"),
        DeviceKind::StaticGenerator => ("static-generator", "Static generator"),
        DeviceKind::Storage => ("storage", "Storage unit"),
        DeviceKind::Motor => ("motor", "Motor"),
        DeviceKind::Load => ("load", "Load"),
        DeviceKind::Shunt => ("shunt", "Shunt"),
        DeviceKind::Ward => ("ward", "Ward equivalent"),
        DeviceKind::Xward => ("xward", "Extended ward equivalent"),
    };
    let oos = if info.in_service { "" } else { " oos" };
    write!(
        o,
        r#"<g class="device {class}{oos}" data-element="{}" data-bus="{}"{}>"#,
        escape(info.id),
        escape(&model.circuit.buses[d.bus].id),
        dash(info.in_service)
    )?;
    // Asynchronous types of static generators are rotating machines.
    let machine_type = (d.kind == DeviceKind::StaticGenerator)
        .then(|| model.circuit.static_generators[d.element].generator_type)
        .filter(|t| !t.is_current_source());
    let mut tip = match machine_type {
        Some(t) => format!(
            "{kind} {} ({}) at {}",
            info.label,
            t.as_str(),
            model.bus_label(d.bus)
        ),
        None => format!("{kind} {} at {}", info.label, model.bus_label(d.bus)),
    };
    if !info.in_service {
        tip.push_str(", out of service");
    }
    write!(o, "<title>{}</title>", escape(&tip))?;
    let colour = ink(info.in_service);
    let (x, y) = (place.x, place.y);
    match d.kind {
        DeviceKind::ExternalGrid => symbols::external_grid(o, x, y, colour)?,
        DeviceKind::Generator => symbols::generator(o, x, y, colour)?,
        DeviceKind::StaticGenerator if machine_type.is_some() => {
            symbols::async_generator(o, x, y, colour)?
        }
        DeviceKind::StaticGenerator => symbols::static_generator(o, x, y, colour)?,
        DeviceKind::Storage => symbols::storage(o, x, y, colour)?,
        DeviceKind::Motor => symbols::motor(o, x, y, colour)?,
        DeviceKind::Load => symbols::load(o, x, y, colour)?,
        DeviceKind::Shunt => symbols::shunt(o, x, y, colour)?,
        DeviceKind::Ward => symbols::ward(o, x, y, "W", colour)?,
        DeviceKind::Xward => symbols::ward(o, x, y, "XW", colour)?,
    }
    let label_y = match place.side {
        Side::Top => y - 33.0,
        Side::Bottom => y + DEVICE_LABEL_DY,
    };
    write!(
        o,
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle" fill="{MUTED}">{}</text></g>"#,
        Num(x),
        Num(label_y),
        escape(&truncate(info.label, text::DEVICE_LABEL_CHARS))
    )
}

fn bus_group(
    o: &mut String,
    model: &Model,
    b: usize,
    place: &BusPlace,
    element_id: &str,
    annotation: Option<&BusAnnotation>,
    highlight: bool,
) -> fmt::Result {
    let bus = &model.circuit.buses[b];
    let mut class = String::from("bus");
    for (on, name) in [
        (!bus.in_service, " oos"),
        (highlight, " highlight"),
        (annotation.is_some(), " annotated"),
    ] {
        if on {
            class.push_str(name);
        }
    }
    write!(
        o,
        r#"<g class="{class}" data-bus="{}" id="{element_id}">"#,
        escape(&bus.id)
    )?;
    let label = model.bus_label(b);
    let voltage = text::kv(bus.vn_kv);
    let mut tip = if label == bus.id {
        format!("Bus {label}, {voltage}")
    } else {
        format!("Bus {label} ({}), {voltage}", bus.id)
    };
    if let Some(a) = annotation {
        write!(tip, ", {}", a.label)?;
    }
    if !bus.in_service {
        tip.push_str(", out of service");
    }
    write!(o, "<title>{}</title>", escape(&tip))?;
    let (x, y) = (place.x, place.y);
    let bar = annotation.map_or_else(|| ink(bus.in_service), BusAnnotation::colour);
    let bar_width = if annotation.is_some() { 7 } else { 5 };
    let bar_dash = if bus.in_service {
        ""
    } else {
        r#" stroke-dasharray="8 4""#
    };
    write!(
        o,
        r#"<line class="bus-bar" x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{bar}" stroke-width="{bar_width}"{bar_dash}/>"#,
        Num(x),
        Num(x + place.width),
        y = Num(y)
    )?;
    let tx = Num(x - layout::LABEL_GAP);
    let text_ink = ink(bus.in_service);
    write!(
        o,
        r#"<text class="bus-name" x="{tx}" y="{}" font-size="14" font-weight="bold" text-anchor="end" fill="{text_ink}">{}</text>"#,
        Num(y - 5.0),
        escape(&truncate(&label, text::BUS_NAME_CHARS))
    )?;
    write!(
        o,
        r#"<text class="bus-kv" x="{tx}" y="{}" font-size="12" text-anchor="end" fill="{}">{}</text>"#,
        Num(y + 14.0),
        if bus.in_service { MUTED } else { OFF },
        escape(&voltage)
    )?;
    if let Some(a) = annotation {
        write!(
            o,
            r#"<text class="bus-value band-{}" x="{tx}" y="{}" font-size="12" font-weight="bold" text-anchor="end" fill="{}">{}</text>"#,
            a.band,
            Num(y + 28.0),
            a.colour(),
            escape(&a.label)
        )?;
    }
    o.push_str("</g>");
    Ok(())
}

/// Switches at line and transformer ends, on the connector next to their bus; several at one
/// end are stacked along it.
fn switches(o: &mut String, model: &Model, layout: &Layout) -> fmt::Result {
    for ((link, bus), list) in sorted_ends(model) {
        let route = &layout.routes[link];
        for (k, &s) in list.iter().enumerate() {
            let step = 12.0 * k as f64;
            let (x, y) = if bus == route.hub {
                (route.x, route.y + 12.0 + step)
            } else {
                match route.legs.iter().find(|l| l.bus == bus) {
                    Some(l) if l.from_below => (l.x, l.y + 12.0 + step),
                    Some(l) => (l.x, l.y - 11.0 - step),
                    None => continue,
                }
            };
            switch_group(o, model, s, bus, x, y)?;
        }
    }
    Ok(())
}

/// End switches in a fixed order (the map itself iterates in random order).
fn sorted_ends<'m>(model: &'m Model) -> Vec<((usize, usize), &'m Vec<usize>)> {
    let mut ends: Vec<_> = model.end_switches.iter().map(|(k, v)| (*k, v)).collect();
    ends.sort_unstable_by_key(|e| e.0);
    ends
}

fn switch_group(
    o: &mut String,
    model: &Model,
    s: usize,
    bus: usize,
    x: f64,
    y: f64,
) -> fmt::Result {
    let info = model.switch_info(s);
    let sw = &model.circuit.switches[s];
    let state = if sw.closed { "closed" } else { "open" };
    let oos = if info.in_service { "" } else { " oos" };
    write!(
        o,
        r#"<g class="switch {state}{oos}" data-element="{}" data-bus="{}"{}>"#,
        escape(info.id),
        escape(&model.circuit.buses[bus].id),
        dash(info.in_service)
    )?;
    let kind = sw.switch_type.map_or("Switch", |t| match t {
        SwitchType::CB => "Circuit breaker",
        SwitchType::LBS => "Load-break switch",
        SwitchType::DS => "Disconnector",
    });
    let mut tip = format!("{kind} {} at {}, {state}", info.label, model.bus_label(bus));
    if !info.in_service {
        tip.push_str(", out of service");
    }
    write!(o, "<title>{}</title>", escape(&tip))?;
    symbols::switch(o, x, y, sw.closed, ink(info.in_service))?;
    write!(
        o,
        r#"<text x="{}" y="{}" font-size="12" fill="{MUTED}">{}</text></g>"#,
        Num(x + 7.0),
        Num(y + 4.0),
        escape(&truncate(info.label, text::SIDE_LABEL_CHARS))
    )
}
