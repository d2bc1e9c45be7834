//! Text helpers shared by the layout (text widths) and the writer (text content).

use std::borrow::Cow;
use std::fmt;

/// The smallest font size used anywhere in a diagram, in diagram units. At the scale of 1 the
/// pages never go below, every text is at least this many CSS pixels (the pages' readability
/// floor is 12 px); the root element carries it as `data-min-font`.
pub const MIN_FONT: f64 = 12.0;
/// Bus names (bold).
pub const NAME_FONT: f64 = 14.0;
/// Every other text: voltages, values, element labels, symbol letters, the legend.
pub const LABEL_FONT: f64 = MIN_FONT;

/// Longest bus name drawn in full; the tooltip always has the whole name.
pub const BUS_NAME_CHARS: usize = 28;
/// Longest device label (centred under its symbol, one slot wide).
pub const DEVICE_LABEL_CHARS: usize = 10;
/// Longest label beside a branch symbol (it must fit before the next slot).
pub const SIDE_LABEL_CHARS: usize = 8;

/// Average glyph advance of a sans-serif font relative to its size, slightly generous so that
/// estimated boxes rarely come out narrower than the rendered text.
const ADVANCE: f64 = 0.62;

/// XML-escapes text and attribute values (`& < > " '`). Characters XML 1.0 forbids become
/// spaces, so that user input can never make the document ill-formed.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| special(c) || forbidden(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // &apos; is not an HTML 4 entity; the numeric form works in HTML and XML.
            '\'' => out.push_str("&#39;"),
            c if forbidden(c) => out.push(' '),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn special(c: char) -> bool {
    matches!(c, '&' | '<' | '>' | '"' | '\'')
}

fn forbidden(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// At most `max` characters, ending in an ellipsis when shortened.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if s.chars().count() <= max {
        return Cow::Borrowed(s);
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    Cow::Owned(out)
}

/// Estimated rendered width of `s` at `font_size`.
pub fn width(s: &str, font_size: f64) -> f64 {
    s.chars().count() as f64 * font_size * ADVANCE
}

/// A coordinate written with at most one decimal (keeps the SVG small and deterministic).
#[derive(Debug, Clone, Copy)]
pub struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = (self.0 * 10.0).round() / 10.0;
        if !v.is_finite() {
            f.write_str("0")
        } else if v == v.trunc() {
            write!(f, "{}", v as i64)
        } else {
            write!(f, "{v:.1}")
        }
    }
}

/// "20", "0.4", "10.5": up to three decimals, no trailing zeros.
pub fn decimals(v: f64, max_decimals: usize) -> String {
    if !v.is_finite() {
        return "?".into();
    }
    let s = format!("{v:.max_decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" { "0".into() } else { s.into() }
}

pub fn kv(v: f64) -> String {
    format!("{} kV", decimals(v, 3))
}

/// Three significant digits for currents of 0.001 to 999 kA ("12.3", "1.25", "0.482").
pub fn three_digits(v: f64) -> String {
    let a = v.abs();
    let d = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    format!("{v:.d$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_control_characters() {
        assert_eq!(escape("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&#39; ");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn numbers() {
        assert_eq!(Num(3.04).to_string(), "3");
        assert_eq!(Num(-0.01).to_string(), "0");
        assert_eq!(Num(12.25).to_string(), "12.3");
        assert_eq!(Num(f64::NAN).to_string(), "0");
        assert_eq!(kv(20.0), "20 kV");
        assert_eq!(kv(0.4), "0.4 kV");
        assert_eq!(kv(10.5), "10.5 kV");
        assert_eq!(three_digits(12.34), "12.3");
        assert_eq!(three_digits(0.4821), "0.482");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
