//! pandapower's `to_json` writes bare `NaN`, `Infinity` and `-Infinity` tokens (Python's json
//! module does), for example in `std_types`. They are not JSON; outside strings they mean "no
//! value" and are read as `null`.

use std::borrow::Cow;
use std::io::Read;

/// Positions and lengths of the bare tokens, in order.
struct Tokens<'a> {
    bytes: &'a [u8],
    i: usize,
    in_string: bool,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        Tokens {
            bytes: text.as_bytes(),
            i: 0,
            in_string: false,
        }
    }
}

impl Iterator for Tokens<'_> {
    type Item = (usize, usize);
    fn next(&mut self) -> Option<(usize, usize)> {
        let bytes = self.bytes;
        while let Some(&b) = bytes.get(self.i) {
            let i = self.i;
            if self.in_string {
                match b {
                    b'\\' => self.i += 2,
                    b'"' => {
                        self.in_string = false;
                        self.i += 1;
                    }
                    _ => self.i += 1,
                }
                continue;
            }
            let token: &[u8] = match b {
                b'"' => {
                    self.in_string = true;
                    self.i += 1;
                    continue;
                }
                b'N' => b"NaN",
                b'I' => b"Infinity",
                b'-' if bytes.get(i + 1) == Some(&b'I') => b"-Infinity",
                _ => {
                    self.i += 1;
                    continue;
                }
            };
            if bytes[i..].starts_with(token) {
                self.i += token.len();
                return Some((i, token.len()));
            }
            self.i += 1;
        }
        None
    }
}

/// True when the text has a bare `NaN`, `Infinity` or `-Infinity` outside strings.
pub(super) fn has_non_finite(text: &str) -> bool {
    Tokens::new(text).next().is_some()
}

/// Replaces `NaN`, `Infinity` and `-Infinity` outside JSON strings by `null`. Returns the text
/// unchanged (borrowed) when it has none.
pub fn non_finite_as_null(text: &str) -> Cow<'_, str> {
    let mut tokens = Tokens::new(text).peekable();
    if tokens.peek().is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut copied = 0; // bytes of `text` already handled in `out`
    for (at, len) in tokens {
        out.push_str(&text[copied..at]);
        out.push_str("null");
        copied = at + len;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The text as `non_finite_as_null` would give it, read as a stream (no copy of the text).
pub(super) struct NonFiniteReader<'a> {
    text: &'a [u8],
    pos: usize,
    tokens: Tokens<'a>,
    next: Option<(usize, usize)>,
    pending: &'static [u8],
}

impl<'a> NonFiniteReader<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let mut tokens = Tokens::new(text);
        let next = tokens.next();
        NonFiniteReader {
            text: text.as_bytes(),
            pos: 0,
            tokens,
            next,
            pending: b"",
        }
    }
}

impl Read for NonFiniteReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.pending.is_empty() {
            let n = self.pending.len().min(buf.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending = &self.pending[n..];
            return Ok(n);
        }
        let end = self.next.map_or(self.text.len(), |(at, _)| at);
        if self.pos < end {
            let n = (end - self.pos).min(buf.len());
            buf[..n].copy_from_slice(&self.text[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        match self.next {
            Some((at, len)) => {
                self.pos = at + len;
                self.next = self.tokens.next();
                self.pending = b"null";
                self.read(buf)
            }
            None => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{NonFiniteReader, has_non_finite, non_finite_as_null};

    #[test]
    fn bare_tokens_become_null_and_strings_are_kept() {
        let text =
            r#"{"a": NaN, "b": [Infinity, -Infinity, 1.5], "c": "NaN \" Infinity", "d": -2}"#;
        let fixed = non_finite_as_null(text);
        assert_eq!(
            fixed,
            r#"{"a": null, "b": [null, null, 1.5], "c": "NaN \" Infinity", "d": -2}"#
        );
        let v: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        assert!(v["a"].is_null() && v["b"][2] == 1.5 && v["c"] == "NaN \" Infinity");
    }

    #[test]
    fn the_stream_reads_like_the_copy() {
        let text = r#"{"a": NaN, "b": [Infinity,-Infinity], "c": "NaN", "d": Nope, "e": -1}NaN"#;
        let mut streamed = String::new();
        let mut reader = std::io::BufReader::with_capacity(3, NonFiniteReader::new(text));
        std::io::Read::read_to_string(&mut reader, &mut streamed).unwrap();
        assert_eq!(streamed, non_finite_as_null(text));
        assert!(has_non_finite(text));
        assert!(!has_non_finite(r#"{"a": "NaN", "Infinity": -1}"#));
    }

    #[test]
    fn text_without_tokens_is_borrowed() {
        let text = r#"{"name": "Nord", "x": [1, -2e3]}"#;
        assert!(matches!(
            non_finite_as_null(text),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
