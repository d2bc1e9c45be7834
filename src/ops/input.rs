//! Input checks shared by pages, the CLI and the API: one message per field (shown beside it
//! on a page, listed in the API's JSON), and the rules for names, emails, usernames and time
//! zones.

use std::collections::BTreeMap;

/// Field name to message. The empty name holds a message about the whole form.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// The message about the whole form, if any.
    pub fn form(&self) -> Option<&str> {
        self.get("")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every message, field by field (for the API and for answers without a form to show).
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(k, v)| (*k, v.as_str()))
    }

    /// The messages in one line.
    pub fn summary(&self) -> String {
        self.0.values().cloned().collect::<Vec<_>>().join(" ")
    }
}

/// Text fields must not hold control characters: PostgreSQL refuses NUL, and CR/LF would
/// break mail headers and log lines.
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// Checks the name (required, one line) and the free-text description (line breaks allowed) of
/// a thing such as a project or a team, each up to the given number of characters.
pub fn check_name_and_description(
    name: &str,
    description: &str,
    (name_max, description_max): (usize, usize),
    errors: &mut FieldErrors,
) {
    if name.is_empty() || name.chars().count() > name_max {
        errors.add(
            "name",
            format!("Enter a name of up to {name_max} characters."),
        );
    } else if has_control(name) {
        errors.add(
            "name",
            "The name must not contain control characters such as line breaks.",
        );
    }
    if description.chars().count() > description_max {
        let shown = if description_max >= 1000 {
            format!("{},{:03}", description_max / 1000, description_max % 1000)
        } else {
            description_max.to_string()
        };
        errors.add(
            "description",
            format!("Keep the description under {shown} characters."),
        );
    } else if description
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.add(
            "description",
            "The description contains control characters.",
        );
    }
}

/// What is wrong with a person's name, if anything.
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.chars().count() > 200 {
        Some("Enter your name (up to 200 characters).")
    } else if has_control(name) {
        Some("The name must not contain control characters such as line breaks.")
    } else {
        None
    }
}

/// A plausible email address: one `@`, a dot in the domain, no spaces, at most 254 characters.
pub fn valid_email(email: &str) -> bool {
    let email = email.trim();
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        }
        None => false,
    }
}

/// Usernames: 3 to 40 of a-z, 0-9, `.`, `_`, `-`, starting with a letter or digit.
pub fn valid_username(username: &str) -> bool {
    let u = username.trim();
    (3..=40).contains(&u.len())
        && u.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

pub fn valid_timezone(tz: &str) -> bool {
    tz.parse::<chrono_tz::Tz>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions() {
        let check = |name: &str, description: &str| {
            let mut errors = FieldErrors::default();
            check_name_and_description(name, description, (10, 5000), &mut errors);
            errors
        };
        assert!(check("Relays", "two\nlines\tand a tab").is_empty());
        assert_eq!(
            check("", "").get("name"),
            Some("Enter a name of up to 10 characters.")
        );
        assert!(check("a\nb", "").get("name").unwrap().contains("control"));
        assert_eq!(
            check("ok", &"x".repeat(5001)).get("description"),
            Some("Keep the description under 5,000 characters.")
        );
        assert!(check("ok", "\u{7}").has("description"));
    }

    #[test]
    fn emails() {
        assert!(valid_email("ada@example.com"));
        assert!(!valid_email("ada@example"));
        assert!(!valid_email("ada example@x.com"));
        assert!(!valid_email("@x.com"));
        assert!(!valid_email("a@@x.com"));
        assert!(!valid_email("a\0b@x.com"));
        assert!(has_control("Eve\r\nBcc: x"));
        assert!(!has_control("Jürgen Ohm"));
    }

    #[test]
    fn usernames() {
        assert!(valid_username("ada.l"));
        assert!(!valid_username("ad"));
        assert!(!valid_username("_ada"));
        assert!(!valid_username("ada lovelace"));
    }

    #[test]
    fn timezones() {
        assert!(valid_timezone("Europe/Berlin"));
        assert!(valid_timezone("UTC"));
        assert!(!valid_timezone("Mars/Olympus"));
    }
}
