//! A project's overview: about, the circuit in numbers, recent versions and simulations.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::models::project::{Member, Project};
use crate::models::project_overview;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::handlers::html;
use crate::web::page::{Page, local_time};
use crate::web::project_access::{ProjectAccess, ProjectFlags};

pub struct VersionLine {
    pub number: i32,
    pub author: String,
    pub when: String,
    pub message: String,
}

pub struct SimulationLine {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub version: i32,
    pub when: String,
}

#[derive(Template)]
#[template(path = "projects/overview.html")]
struct OverviewPage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    owner: String,
    member_role: String,
    created: String,
    updated: String,
    versions: Vec<VersionLine>,
    version_count: i64,
    counts: Vec<(&'static str, usize)>,
    simulations: Vec<SimulationLine>,
    members: Vec<Member>,
    /// Teams the project was given to: name and role.
    teams: Vec<(String, String)>,
}

pub async fn overview(
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
) -> AppResult<HttpResponse> {
    let ProjectAccess { me, ctx } = access;
    let project = ctx.project.clone();
    let o = state
        .db(move |conn| Ok(project_overview::load(conn, &project)?))
        .await?;
    let tz = me.user.timezone.clone();
    let view = OverviewPage {
        page: Page::new(&session, ctx.project.name.clone(), Some(&me), "/projects"),
        flags: ctx.flags(),
        member_role: match (&ctx.member_role, ctx.through_team) {
            (Some(role), false) => role.clone(),
            (Some(role), true) => format!("{role} (through a team)"),
            (None, _) => "not a member (company-wide read access)".into(),
        },
        owner: o.owner,
        created: local_time(&ctx.project.created_at, &tz),
        updated: local_time(&ctx.project.updated_at, &tz),
        versions: o
            .versions
            .into_iter()
            .map(|v| VersionLine {
                number: v.number,
                author: v.author,
                when: local_time(&v.created_at, &tz),
                message: v.message,
            })
            .collect(),
        version_count: o.version_count,
        counts: o
            .latest_circuit
            .as_ref()
            .map(element_counts)
            .unwrap_or_default(),
        simulations: o
            .simulations
            .into_iter()
            .map(|s| SimulationLine {
                id: s.id,
                kind: s.kind,
                status: s.status,
                version: s.version,
                when: local_time(&s.queued_at, &tz),
            })
            .collect(),
        members: o.members,
        teams: o.teams,
        project: ctx.project,
        tab: "overview",
    };
    Ok(html(view.render()?))
}

/// Element counts of a circuit document, by kind, for kinds present.
fn element_counts(circuit: &serde_json::Value) -> Vec<(&'static str, usize)> {
    const KINDS: [(&str, &str); 15] = [
        ("buses", "buses"),
        ("external_grids", "external grids"),
        ("lines", "lines"),
        ("transformers", "transformers"),
        ("transformers3w", "three-winding transformers"),
        ("impedances", "series impedances"),
        ("generators", "generators"),
        ("motors", "motors"),
        ("static_generators", "static generators"),
        ("storages", "storage units"),
        ("loads", "loads"),
        ("shunts", "shunts"),
        ("wards", "ward equivalents"),
        ("xwards", "extended ward equivalents"),
        ("switches", "switches"),
    ];
    KINDS
        .iter()
        .filter_map(|(key, label)| {
            let n = circuit
                .get(*key)
                .and_then(|v| v.as_array())
                .map_or(0, Vec::len);
            (n > 0 || *key == "buses").then_some((*label, n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::element_counts;
    use crate::circuit_edit::fields::KINDS;

    #[test]
    fn every_element_kind_is_counted() {
        let mut circuit = serde_json::json!({});
        for k in &KINDS {
            circuit[k.key] = serde_json::json!([{"id": "x"}]);
        }
        assert_eq!(element_counts(&circuit).len(), KINDS.len());
    }
}
