//! Permission strings (`area:action`). A user holds the union of their roles' permissions;
//! `*:*` grants everything and `area:*` every action in an area. Anything else is denied.

pub const PROJECTS_READ: &str = "projects:read";
pub const PROJECTS_WRITE: &str = "projects:write";
/// Read every project of the company, not only those one is a member of.
pub const PROJECTS_READ_ALL: &str = "projects:read_all";
/// Act as owner of every project of the company (members, settings, archive).
pub const PROJECTS_ADMIN: &str = "projects:admin";
pub const SIMULATIONS_RUN: &str = "simulations:run";
pub const USERS_MANAGE: &str = "users:manage";
pub const LICENSES_READ: &str = "licenses:read";
pub const LICENSES_MANAGE: &str = "licenses:manage";
pub const AUDIT_READ: &str = "audit:read";
pub const PLATFORM_MANAGE: &str = "platform:manage";

/// Whether `held` grants `wanted`.
pub fn grants(held: &[String], wanted: &str) -> bool {
    let area = wanted.split_once(':').map_or(wanted, |(a, _)| a);
    held.iter()
        .any(|p| p == "*:*" || p == wanted || p.strip_suffix(":*").is_some_and(|a| a == area))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn deny_by_default() {
        assert!(!grants(&[], AUDIT_READ));
        assert!(!grants(&held(&["projects:read"]), PROJECTS_WRITE));
        assert!(!grants(&held(&["projects:"]), PROJECTS_WRITE));
        assert!(!grants(&held(&["audit"]), AUDIT_READ));
    }

    #[test]
    fn grants_exact_area_and_all() {
        assert!(grants(&held(&["audit:read"]), AUDIT_READ));
        assert!(grants(&held(&["projects:*"]), PROJECTS_WRITE));
        assert!(!grants(&held(&["projects:*"]), AUDIT_READ));
        assert!(grants(&held(&["*:*"]), LICENSES_MANAGE));
    }
}
