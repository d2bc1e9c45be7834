//! The study report as a PDF, written with krilla (docs/report.md says why): A4 pages laid out
//! here, text in the vendored DejaVu Sans (static/fonts, embedded and subset, so the text is
//! selectable and searchable), tables that continue over pages with their header repeated,
//! the one-line diagram and the chart drawn as vectors from their SVG by krilla-svg, and
//! "page n of m" in every footer. Layout is a first pass into pages of drawing operations, so
//! the number of pages is known when the footers are written.

use std::sync::{Arc, LazyLock};

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point as At, Rect, Size, Transform};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla_svg::{SurfaceExt, SvgSettings};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size as FontSize};

use super::{StudyReport, Table};

static REGULAR: &[u8] = include_bytes!("../../../static/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../../static/fonts/DejaVuSans-Bold.ttf");

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the report's font cannot be read")]
    Font,
    #[error("the PDF cannot be written: {0}")]
    Write(String),
}

/// A4 portrait and landscape, in points.
const A4: (f32, f32) = (595.28, 841.89);
const A4_LANDSCAPE: (f32, f32) = (841.89, 595.28);
const MARGIN: f32 = 45.0;
const TOP: f32 = 50.0;
/// Space kept free at the bottom for the footer.
const BOTTOM: f32 = 58.0;

type Rgb = (u8, u8, u8);
const INK: Rgb = (26, 26, 26);
const MUTED: Rgb = (110, 110, 110);
const BAD: Rgb = (176, 0, 32);
const WARN: Rgb = (150, 90, 0);
const ACCENT: Rgb = (0, 84, 147);
const RULE: Rgb = (190, 190, 190);
const HEAD_BG: Rgb = (228, 233, 240);
const STRIPE: Rgb = (244, 246, 248);

/// Advance widths of a font, in em, for the characters up to U+24FF.
struct Metrics {
    widths: Vec<f32>,
    fallback: f32,
}

impl Metrics {
    fn new(data: &'static [u8]) -> Option<Metrics> {
        let font = skrifa::FontRef::new(data).ok()?;
        let upem = f32::from(
            font.metrics(FontSize::unscaled(), LocationRef::default())
                .units_per_em,
        );
        let glyphs = font.glyph_metrics(FontSize::unscaled(), LocationRef::default());
        let cmap = font.charmap();
        let advance = |c: char| {
            cmap.map(c)
                .and_then(|g| glyphs.advance_width(g))
                .map(|w| w / upem)
        };
        let fallback = advance('0').unwrap_or(0.6);
        let widths = (0u32..0x2500)
            .map(|u| char::from_u32(u).and_then(advance).unwrap_or(fallback))
            .collect();
        Some(Metrics { widths, fallback })
    }

    fn width(&self, s: &str, size: f32) -> f32 {
        s.chars()
            .map(|c| {
                self.widths
                    .get(c as usize)
                    .copied()
                    .unwrap_or(self.fallback)
            })
            .sum::<f32>()
            * size
    }
}

struct Fonts {
    regular: Font,
    bold: Font,
    m_regular: Metrics,
    m_bold: Metrics,
    svg: usvg::Options<'static>,
}

impl Fonts {
    fn load() -> Option<Fonts> {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(REGULAR.to_vec());
        db.load_font_data(BOLD.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        let svg = usvg::Options {
            font_family: "DejaVu Sans".into(),
            fontdb: Arc::new(db),
            ..usvg::Options::default()
        };
        Some(Fonts {
            regular: Font::new(REGULAR.into(), 0)?,
            bold: Font::new(BOLD.into(), 0)?,
            m_regular: Metrics::new(REGULAR)?,
            m_bold: Metrics::new(BOLD)?,
            svg,
        })
    }

    fn width(&self, s: &str, size: f32, bold: bool) -> f32 {
        if bold {
            self.m_bold.width(s, size)
        } else {
            self.m_regular.width(s, size)
        }
    }

    /// `s` cut with an ellipsis to fit `max` points.
    fn clip(&self, s: &str, size: f32, bold: bool, max: f32) -> String {
        if self.width(s, size, bold) <= max {
            return s.to_string();
        }
        let mut out = String::new();
        let room = max - self.width("…", size, bold);
        let mut w = 0.0;
        for c in s.chars() {
            let cw = self.width(c.encode_utf8(&mut [0; 4]), size, bold);
            if w + cw > room {
                break;
            }
            w += cw;
            out.push(c);
        }
        out.push('…');
        out
    }

    /// Greedy word wrap to `max` points; words longer than a line are cut by character.
    fn wrap(&self, s: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in s.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if self.width(&candidate, size, bold) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut rest = word.to_string();
            while self.width(&rest, size, bold) > max {
                let mut cut = String::new();
                for c in rest.chars() {
                    if self.width(&format!("{cut}{c}"), size, bold) > max && !cut.is_empty() {
                        break;
                    }
                    cut.push(c);
                }
                rest = rest[cut.len()..].to_string();
                lines.push(cut);
            }
            line = rest;
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

static FONTS: LazyLock<Option<Fonts>> = LazyLock::new(Fonts::load);

/// One drawing operation; y grows downwards from the top of the page.
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: Rgb,
    },
    Svg {
        tree: Box<usvg::Tree>,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

struct PageOut {
    size: (f32, f32),
    ops: Vec<Op>,
}

struct Layout<'f> {
    f: &'f Fonts,
    pages: Vec<PageOut>,
    y: f32,
}

/// A table's layout: font size, column widths, and which columns are right-aligned.
struct TableGeometry {
    size: f32,
    widths: Vec<f32>,
}

const PAD: f32 = 3.0;

impl<'f> Layout<'f> {
    fn new(f: &'f Fonts) -> Layout<'f> {
        Layout {
            f,
            pages: vec![PageOut {
                size: A4,
                ops: Vec::new(),
            }],
            y: TOP,
        }
    }

    fn page_size(&self) -> (f32, f32) {
        self.pages.last().map_or(A4, |p| p.size)
    }

    fn content_width(&self) -> f32 {
        self.page_size().0 - 2.0 * MARGIN
    }

    fn new_page(&mut self, size: (f32, f32)) {
        self.pages.push(PageOut {
            size,
            ops: Vec::new(),
        });
        self.y = TOP;
    }

    fn room(&self) -> f32 {
        self.page_size().1 - BOTTOM - self.y
    }

    /// A new page unless `h` points fit on this one.
    fn need(&mut self, h: f32) {
        if self.room() < h {
            self.new_page(A4);
        }
    }

    fn push(&mut self, op: Op) {
        if let Some(p) = self.pages.last_mut() {
            p.ops.push(op);
        }
    }

    fn text(&mut self, x: f32, size: f32, bold: bool, color: Rgb, text: String) {
        let y = self.y + size;
        self.push(Op::Text {
            x,
            y,
            size,
            bold,
            color,
            text,
        });
    }

    fn paragraph(&mut self, s: &str, size: f32, color: Rgb, indent: f32) {
        let lines = self.f.wrap(s, size, false, self.content_width() - indent);
        for line in lines {
            self.need(size * 1.45);
            self.text(MARGIN + indent, size, false, color, line);
            self.y += size * 1.45;
        }
    }

    /// A section heading, kept with at least `keep` points of what follows.
    fn heading(&mut self, s: &str, size: f32, keep: f32) {
        self.need(size * 2.2 + keep);
        self.y += size * 0.6;
        self.text(MARGIN, size, true, ACCENT, s.to_string());
        self.y += size * 1.6;
    }

    /// Label and value pairs in two columns; values wrap.
    fn facts(&mut self, pairs: &[(String, String)]) {
        let size = 9.0;
        let label_w = 150.0;
        for (label, value) in pairs {
            let labels = self.f.wrap(label, size, true, label_w - 8.0);
            let values = self
                .f
                .wrap(value, size, false, self.content_width() - label_w);
            let n = labels.len().max(values.len());
            self.need(size * 1.5 * n as f32);
            for i in 0..n {
                if let Some(l) = labels.get(i) {
                    self.text(MARGIN, size, true, INK, l.clone());
                }
                if let Some(v) = values.get(i) {
                    self.text(MARGIN + label_w, size, false, INK, v.clone());
                }
                self.y += size * 1.5;
            }
        }
        self.y += 4.0;
    }

    /// Bullets with a coloured mark per level (`bad`, `warn`, anything else).
    fn bullets<'a>(&mut self, items: impl IntoIterator<Item = (&'a str, &'a str)>) {
        let size = 9.0;
        for (level, text) in items {
            let color = match level {
                "bad" => BAD,
                "warn" => WARN,
                _ => INK,
            };
            let lines = self.f.wrap(text, size, false, self.content_width() - 14.0);
            self.need(size * 1.45 * lines.len().min(3) as f32);
            self.text(MARGIN + 2.0, size, true, color, "•".into());
            for line in lines {
                self.need(size * 1.45);
                self.text(MARGIN + 14.0, size, false, color, line);
                self.y += size * 1.45;
            }
            self.y += 2.0;
        }
        self.y += 4.0;
    }

    /// Font size and column widths that fit the page: the natural widths at 7.5 pt, scaled
    /// down to 5.5 pt when needed, then the widest text columns narrowed (their cells cut).
    fn geometry(&self, t: &Table) -> TableGeometry {
        let base = 7.5;
        let mut natural: Vec<f32> = t
            .columns
            .iter()
            .map(|c| {
                self.f
                    .width(&c.label, base, true)
                    .max(self.f.width(&c.unit, base, true))
            })
            .collect();
        for row in &t.rows {
            for (i, cell) in row.cells.iter().enumerate() {
                if let Some(w) = natural.get_mut(i) {
                    *w = w.max(self.f.width(cell, base, false));
                }
            }
        }
        let avail = self.content_width();
        let pads = 2.0 * PAD * natural.len() as f32;
        let total: f32 = natural.iter().sum::<f32>() + pads;
        let size = if total > avail {
            (base * (avail - pads) / (total - pads)).max(5.5)
        } else {
            base
        };
        let mut widths: Vec<f32> = natural
            .iter()
            .map(|w| w * size / base + 2.0 * PAD)
            .collect();
        let mut excess = widths.iter().sum::<f32>() - avail;
        // Narrow the widest text columns until the table fits.
        while excess > 0.5 {
            let widest = t
                .columns
                .iter()
                .enumerate()
                .filter(|(i, c)| !c.numeric && widths[*i] > 40.0)
                .max_by(|a, b| widths[a.0].total_cmp(&widths[b.0]))
                .map(|(i, _)| i);
            let Some(i) = widest else { break };
            let cut = excess.min(widths[i] - 40.0).min(20.0);
            widths[i] -= cut;
            excess -= cut;
        }
        // Spread what is left over the columns.
        let spare = avail - widths.iter().sum::<f32>();
        if spare > 0.0 && !widths.is_empty() {
            let share = spare / widths.len() as f32;
            widths.iter_mut().for_each(|w| *w += share.min(30.0));
        }
        TableGeometry { size, widths }
    }

    fn table_header(&mut self, t: &Table, g: &TableGeometry, continued: bool) {
        let title = if continued {
            format!("{} (continued)", t.title)
        } else {
            t.title.clone()
        };
        self.y += 4.0;
        self.text(MARGIN, 10.0, true, INK, title);
        self.y += 15.0;
        if !continued && !t.note.is_empty() {
            self.paragraph(&t.note, 7.5, MUTED, 0.0);
            self.y += 2.0;
        }
        let h = g.size * 2.0 * 1.3 + 2.0 * PAD;
        let width: f32 = g.widths.iter().sum();
        self.push(Op::Rect {
            x: MARGIN,
            y: self.y,
            w: width,
            h,
            color: HEAD_BG,
        });
        let mut x = MARGIN;
        for (c, w) in t.columns.iter().zip(&g.widths) {
            for (line, text) in [(0.0, &c.label), (1.0, &c.unit)] {
                let s = self.f.clip(text, g.size, true, w - 2.0 * PAD);
                let tx = if c.numeric {
                    x + w - PAD - self.f.width(&s, g.size, true)
                } else {
                    x + PAD
                };
                let y = self.y + PAD + g.size * 1.3 * line;
                let size = g.size;
                self.push(Op::Text {
                    x: tx,
                    y: y + size,
                    size,
                    bold: true,
                    color: INK,
                    text: s,
                });
            }
            x += w;
        }
        self.y += h;
    }

    /// A table: continues over pages with its title and header repeated.
    fn table(&mut self, t: &Table) {
        let g = self.geometry(t);
        let row_h = g.size * 1.6;
        let header_h = 30.0 + g.size * 2.6 + 2.0 * PAD;
        self.need(header_h + 3.0 * row_h);
        self.table_header(t, &g, false);
        let width: f32 = g.widths.iter().sum();
        for (n, row) in t.rows.iter().enumerate() {
            if self.room() < row_h {
                self.new_page(A4);
                self.table_header(t, &g, true);
            }
            if n % 2 == 1 {
                self.push(Op::Rect {
                    x: MARGIN,
                    y: self.y,
                    w: width,
                    h: row_h,
                    color: STRIPE,
                });
            }
            let color = match row.mark {
                "bad" => BAD,
                "muted" => MUTED,
                _ => INK,
            };
            let mut x = MARGIN;
            for ((cell, c), w) in row.cells.iter().zip(&t.columns).zip(&g.widths) {
                if !cell.is_empty() {
                    let s = self.f.clip(cell, g.size, false, w - 2.0 * PAD);
                    let tx = if c.numeric {
                        x + w - PAD - self.f.width(&s, g.size, false)
                    } else {
                        x + PAD
                    };
                    self.push(Op::Text {
                        x: tx,
                        y: self.y + g.size * 1.2,
                        size: g.size,
                        bold: row.mark == "bad",
                        color,
                        text: s,
                    });
                }
                x += w;
            }
            self.y += row_h;
        }
        let y = self.y;
        self.push(Op::Line {
            x1: MARGIN,
            y1: y,
            x2: MARGIN + width,
            y2: y,
            color: RULE,
        });
        self.y += 10.0;
    }

    /// An SVG figure scaled to the width left (and the height left on the page), with a note.
    fn figure(&mut self, svg: &str, note: &str) {
        match usvg::Tree::from_str(svg, &self.f.svg) {
            Ok(tree) => {
                let (tw, th) = (tree.size().width(), tree.size().height());
                let max_w = self.content_width();
                let max_h = (self.room() - 30.0).max(50.0);
                let scale = (max_w / tw).min(max_h / th);
                let (w, h) = (tw * scale, th * scale);
                let x = MARGIN + (max_w - w) / 2.0;
                let y = self.y;
                self.push(Op::Svg {
                    tree: Box::new(tree),
                    x,
                    y,
                    w,
                    h,
                });
                self.y += h + 8.0;
            }
            Err(e) => self.paragraph(&format!("The figure cannot be drawn: {e}."), 9.0, BAD, 0.0),
        }
        if !note.is_empty() {
            self.paragraph(note, 8.0, MUTED, 0.0);
        }
    }

    /// The footer of every page: the study on the left, "page n of m" on the right.
    fn footers(&mut self, left: &str) {
        let total = self.pages.len();
        for (i, p) in self.pages.iter_mut().enumerate() {
            let (w, h) = p.size;
            let y = h - 34.0;
            let right = format!("Page {} of {total}", i + 1);
            let size = 7.5;
            let rw = self.f.width(&right, size, false);
            p.ops.push(Op::Line {
                x1: MARGIN,
                y1: y,
                x2: w - MARGIN,
                y2: y,
                color: RULE,
            });
            p.ops.push(Op::Text {
                x: MARGIN,
                y: y + 12.0,
                size,
                bold: false,
                color: MUTED,
                text: self.f.clip(left, size, false, w - 2.0 * MARGIN - rw - 20.0),
            });
            p.ops.push(Op::Text {
                x: w - MARGIN - rw,
                y: y + 12.0,
                size,
                bold: false,
                color: MUTED,
                text: right,
            });
        }
    }
}

/// Lays the report out into pages.
fn layout<'f>(r: &StudyReport, f: &'f Fonts) -> Layout<'f> {
    let mut l = Layout::new(f);
    l.text(MARGIN, 18.0, true, INK, r.title.clone());
    l.y += 26.0;
    l.paragraph(
        "Short-circuit currents calculated to IEC 60909-0:2016 by AmpFlux.",
        9.0,
        MUTED,
        0.0,
    );
    l.y += 6.0;
    l.heading("Study", 12.0, 40.0);
    l.facts(&r.facts);
    l.heading("Standard and options", 12.0, 40.0);
    l.facts(&r.options);
    l.heading("Assumptions", 12.0, 30.0);
    l.bullets(r.assumptions.iter().map(|a| ("info", a.as_str())));
    l.heading("Findings", 12.0, 30.0);
    if r.findings.is_empty() {
        l.paragraph("Nothing to point out.", 9.0, INK, 0.0);
    }
    l.bullets(r.findings.iter().map(|p| (p.level, p.text.as_str())));
    if !r.warnings.is_empty() {
        l.heading("Warnings of the calculation", 12.0, 30.0);
        l.bullets(r.warnings.iter().map(|w| ("warn", w.as_str())));
    }
    if let Some(duty) = &r.duty {
        l.heading("Duty check", 12.0, 60.0);
        l.table(duty);
    }
    l.heading("Results", 12.0, 60.0);
    for t in &r.results {
        l.table(t);
    }
    if let Some(d) = &r.diagram {
        l.new_page(A4_LANDSCAPE);
        l.heading("One-line diagram", 12.0, 0.0);
        l.figure(&d.svg, &d.note);
    }
    l.new_page(A4);
    l.heading("Charts", 12.0, 0.0);
    l.figure(&r.chart.svg, &r.chart.note);
    if !r.inputs.is_empty() {
        l.new_page(A4);
        l.heading("Input data", 12.0, 60.0);
        l.paragraph(
            "The circuit version as calculated; elements out of service and open switches are \
             greyed.",
            8.0,
            MUTED,
            0.0,
        );
        for t in &r.inputs {
            l.table(t);
        }
    }
    l.footers(&format!(
        "{} · simulation #{} · {}",
        r.project,
        r.sim_id,
        super::STANDARD
    ));
    l
}

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw(surface: &mut krilla::surface::Surface, f: &Fonts, op: &Op) {
    match op {
        Op::Text {
            x,
            y,
            size,
            bold,
            color,
            text,
        } => {
            surface.set_stroke(None);
            surface.set_fill(Some(fill(*color)));
            let font = if *bold { &f.bold } else { &f.regular };
            surface.draw_text(
                At::from_xy(*x, *y),
                font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Rect { x, y, w, h, color } => {
            let mut pb = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(rect);
            }
            if let Some(path) = pb.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(*color)));
                surface.draw_path(&path);
            }
        }
        Op::Line {
            x1,
            y1,
            x2,
            y2,
            color,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x1, *y1);
            pb.line_to(*x2, *y2);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(color.0, color.1, color.2).into(),
                    width: 0.6,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
            }
        }
        Op::Svg { tree, x, y, w, h } => {
            if let Some(size) = Size::from_wh(*w, *h) {
                surface.push_transform(&Transform::from_translate(*x, *y));
                surface.draw_svg(tree, size, SvgSettings::default());
                surface.pop();
            }
        }
    }
}

/// The report as PDF bytes.
pub fn render(r: &StudyReport) -> Result<Vec<u8>, PdfError> {
    let f = FONTS.as_ref().ok_or(PdfError::Font)?;
    let l = layout(r, f);
    let mut doc = Document::new();
    let author = r
        .facts
        .iter()
        .find(|(k, _)| k == "Author")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    doc.set_metadata(
        Metadata::new()
            .title(r.title.clone())
            .authors(vec![author])
            .creator("AmpFlux".into()),
    );
    for p in &l.pages {
        let settings = PageSettings::from_wh(p.size.0, p.size.1)
            .ok_or_else(|| PdfError::Write("page size".into()))?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        for op in &p.ops {
            draw(&mut surface, f, op);
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// The number of pages the report takes (for tests and the bench).
pub fn page_count(r: &StudyReport) -> Result<usize, PdfError> {
    let f = FONTS.as_ref().ok_or(PdfError::Font)?;
    Ok(layout(r, f).pages.len())
}
