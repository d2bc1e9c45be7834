//! pandapower's `to_json` writes bare `NaN`, `Infinity` and `-Infinity` tokens (Python's json
//! module does), for example in `std_types`. They are not JSON; outside strings they mean "no
//! value" and are read as `null`.

use std::borrow::Cow;

/// Replaces `NaN`, `Infinity` and `-Infinity` outside JSON strings by `null`. Returns the text
/// unchanged (borrowed) when it has none.
pub fn non_finite_as_null(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `text` already handled in `out`
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        let token = match b {
            b'"' => {
                in_string = true;
                i += 1;
                continue;
            }
            b'N' => "NaN",
            b'I' => "Infinity",
            b'-' if bytes.get(i + 1) == Some(&b'I') => "-Infinity",
            _ => {
                i += 1;
                continue;
            }
        };
        if text[i..].starts_with(token) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 64));
            o.push_str(&text[copied..i]);
            o.push_str("null");
            i += token.len();
            copied = i;
        } else {
            i += 1;
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::non_finite_as_null;

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
    fn text_without_tokens_is_borrowed() {
        let text = r#"{"name": "Nord", "x": [1, -2e3]}"#;
        assert!(matches!(
            non_finite_as_null(text),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
