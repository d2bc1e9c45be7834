//! Transformer vector groups as engineers write them: `Dyn5`, `YNd11`, `YNyn0`, `Dyn`, and for
//! three-winding transformers `YNyn0d5`, `Yynd`.
//!
//! Only the earthing of each winding matters for short-circuit currents (the zero-sequence
//! network, IEC 60909-0 6.3.2 and Table 2); clock numbers are kept for display only.

use std::fmt;

/// Connection of one winding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// Star without accessible neutral.
    Y,
    /// Star with earthed neutral.
    Yn,
    /// Delta.
    D,
    /// Zigzag without accessible neutral.
    Z,
    /// Zigzag with earthed neutral.
    Zn,
}

impl Connection {
    /// True when zero-sequence current can flow into this winding from its terminals.
    pub fn earthed(self) -> bool {
        matches!(self, Connection::Yn | Connection::Zn)
    }
}

/// A parsed vector group: one connection per winding, HV first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorGroup {
    pub windings: Vec<Connection>,
    /// Clock numbers (phase shift in multiples of 30 degrees) of the lower-voltage windings.
    pub clocks: Vec<Option<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{text}\" is not a vector group ({reason}); write it like Dyn5, YNd11, YNyn0 or Dyn")]
pub struct VectorGroupError {
    pub text: String,
    pub reason: &'static str,
}

impl VectorGroup {
    /// Parses a vector group; `windings` is 2 or 3.
    pub fn parse(text: &str, windings: usize) -> Result<Self, VectorGroupError> {
        let err = |reason| VectorGroupError {
            text: text.to_string(),
            reason,
        };
        let chars: Vec<char> = text.trim().chars().collect();
        let mut i = 0;
        let mut out = VectorGroup {
            windings: Vec::new(),
            clocks: Vec::new(),
        };
        while i < chars.len() {
            let kind = chars[i].to_ascii_lowercase();
            i += 1;
            let neutral = i < chars.len() && chars[i].eq_ignore_ascii_case(&'n');
            if neutral {
                i += 1;
            }
            let conn = match (kind, neutral) {
                ('y', false) => Connection::Y,
                ('y', true) => Connection::Yn,
                ('d', false) => Connection::D,
                ('z', false) => Connection::Z,
                ('z', true) => Connection::Zn,
                ('d', true) => return Err(err("a delta winding has no neutral")),
                _ => return Err(err("windings are Y, YN, D, Z or ZN")),
            };
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let clock = if start < i {
                let digits: String = chars[start..i].iter().collect();
                match digits.parse::<u8>() {
                    Ok(c) if c <= 11 => Some(c),
                    _ => return Err(err("the clock number is 0 to 11")),
                }
            } else {
                None
            };
            if out.windings.is_empty() {
                if clock.is_some() {
                    return Err(err("the first winding has no clock number"));
                }
            } else {
                out.clocks.push(clock);
            }
            out.windings.push(conn);
        }
        if out.windings.len() != windings {
            return Err(err(if windings == 2 {
                "a two-winding transformer needs two windings"
            } else {
                "a three-winding transformer needs three windings"
            }));
        }
        Ok(out)
    }

    pub fn hv(&self) -> Connection {
        self.windings[0]
    }
    pub fn lv(&self) -> Connection {
        self.windings[self.windings.len() - 1]
    }
    /// The middle winding of a three-winding transformer (the LV winding otherwise).
    pub fn mv(&self) -> Connection {
        self.windings[1]
    }

    /// Lower-case key without clocks, as pandapower names groups (`dyn`, `ynyn`, `yynd`).
    pub fn key(&self) -> String {
        self.windings
            .iter()
            .map(|c| match c {
                Connection::Y => "y",
                Connection::Yn => "yn",
                Connection::D => "d",
                Connection::Z => "z",
                Connection::Zn => "zn",
            })
            .collect()
    }
}

impl fmt::Display for VectorGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.windings.iter().enumerate() {
            let s = match c {
                Connection::Y => "Y",
                Connection::Yn => "YN",
                Connection::D => "D",
                Connection::Z => "Z",
                Connection::Zn => "ZN",
            };
            if i == 0 {
                f.write_str(s)?;
            } else {
                f.write_str(&s.to_ascii_lowercase())?;
                if let Some(Some(c)) = self.clocks.get(i - 1) {
                    write!(f, "{c}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_groups() {
        let g = VectorGroup::parse("Dyn5", 2).unwrap();
        assert_eq!(g.windings, vec![Connection::D, Connection::Yn]);
        assert_eq!(g.clocks, vec![Some(5)]);
        assert_eq!(VectorGroup::parse("YNd11", 2).unwrap().key(), "ynd");
        assert_eq!(VectorGroup::parse("YNyn0", 2).unwrap().key(), "ynyn");
        assert_eq!(VectorGroup::parse("Dyn", 2).unwrap().clocks, vec![None]);
        assert_eq!(VectorGroup::parse("YNyn0d5", 3).unwrap().key(), "ynynd");
        assert_eq!(VectorGroup::parse("Yynd", 3).unwrap().key(), "yynd");
        assert_eq!(VectorGroup::parse("Dyn5", 2).unwrap().to_string(), "Dyn5");
    }

    #[test]
    fn rejects_nonsense() {
        assert!(VectorGroup::parse("Dn", 2).is_err());
        assert!(VectorGroup::parse("Xy", 2).is_err());
        assert!(VectorGroup::parse("Dyn13", 2).is_err());
        assert!(VectorGroup::parse("Dyn", 3).is_err());
        assert!(VectorGroup::parse("", 2).is_err());
    }
}
