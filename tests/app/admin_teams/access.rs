//! The access a team gives to the projects given to it: it comes and goes with the membership
//! (also in the project list kept per company revision, in another server process), the
//! highest role wins, and the project's members page shows it.

use super::{add_to_team, create_team, give_project, team_tables};
use crate::common::*;
use crate::on_both_databases;
use ampflux::db::schema::{project_teams, team_members};
use diesel::prelude::*;

async fn access_comes_and_goes_with_team_membership(app: TestApp) {
    let s = setup(&app, "TeamAccess").await;
    let pid = s.pid;
    let (engineer, eng) = signed_in(&app, s.company_id, "eng.teamaccess", "engineer").await;
    let overview = format!("/projects/{pid}");
    assert_eq!(engineer.get(&overview).await.status, 404);
    engineer
        .get("/projects")
        .await
        .assert_contains("No projects yet");

    // In a team the project is given to as editor: edit, save and run like a direct editor.
    let team = create_team(&s.client, "Studies").await;
    give_project(&s.client, team, pid, "editor").await;
    add_to_team(&s.client, team, eng).await;
    engineer
        .get("/projects")
        .await
        .assert_contains("TeamAccess substation");
    engineer
        .get(&overview)
        .await
        .assert_contains("editor (through a team)");
    let editor = open_editor(&engineer, pid).await;
    editor.assert_contains("/editor/save");
    let res = engineer
        .post(
            &format!("/projects/{pid}/editor/settings"),
            &[("name", "Through the team"), ("frequency_hz", "50")],
        )
        .await;
    assert!(res.status < 400, "{}: {}", res.status, res.body);
    engineer
        .post(
            &format!("/projects/{pid}/editor/save"),
            &[("message", "by a team member")],
        )
        .await
        .assert_redirect(&format!("/projects/{pid}/editor"));
    assert_eq!(version_count(&app, pid), 2);
    run_simulation(&engineer, pid, &[]).await;
    // Members and settings stay with the owners.
    assert_eq!(
        engineer
            .get(&format!("/projects/{pid}/settings"))
            .await
            .status,
        403
    );

    // Given as viewer instead (the same form changes the role): read, but no change.
    give_project(&s.client, team, pid, "viewer").await;
    engineer
        .get(&overview)
        .await
        .assert_contains("viewer (through a team)");
    let editor = open_editor(&engineer, pid).await;
    editor.assert_contains("your role in this project does not allow changing it");
    let res = engineer
        .post(&format!("/projects/{pid}/editor/save"), &[("message", "x")])
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(post_run(&engineer, pid, &[]).await.status, 403);
    assert_eq!(version_count(&app, pid), 2);

    // Out of the team: nothing there again.
    s.client
        .post(&format!("/admin/teams/{team}/members/{eng}/remove"), &[])
        .await
        .assert_redirect(&format!("/admin/teams/{team}"));
    assert_eq!(engineer.get(&overview).await.status, 404);
    assert_eq!(
        engineer
            .get(&format!("/projects/{pid}/editor"))
            .await
            .status,
        404
    );
    engineer
        .get("/projects")
        .await
        .assert_contains("No projects yet");

    // Back in, then the project taken back from the team: gone as well.
    add_to_team(&s.client, team, eng).await;
    assert_eq!(engineer.get(&overview).await.status, 200);
    s.client
        .post(&format!("/admin/teams/{team}/projects/{pid}/remove"), &[])
        .await
        .assert_redirect(&format!("/admin/teams/{team}"));
    assert_eq!(engineer.get(&overview).await.status, 404);
}
on_both_databases!(access_comes_and_goes_with_team_membership);

async fn the_highest_role_wins(app: TestApp) {
    let s = setup(&app, "TeamRank").await;
    let pid = s.pid;
    let (owner, owner_id) = signed_in(&app, s.company_id, "own.teamrank", "engineer").await;
    let (viewer, viewer_id) = signed_in(&app, s.company_id, "view.teamrank", "engineer").await;
    let (plain, plain_id) = signed_in(&app, s.company_id, "plain.teamrank", "engineer").await;
    add_member(&app, pid, owner_id, "owner");
    add_member(&app, pid, viewer_id, "viewer");
    let readers = create_team(&s.client, "Readers").await;
    let writers = create_team(&s.client, "Writers").await;
    give_project(&s.client, readers, pid, "viewer").await;
    give_project(&s.client, writers, pid, "editor").await;
    for user in [owner_id, viewer_id, plain_id] {
        add_to_team(&s.client, readers, user).await;
    }
    add_to_team(&s.client, writers, viewer_id).await;
    add_to_team(&s.client, writers, plain_id).await;

    // A direct owner in a viewer team is still owner: settings and members are theirs.
    owner
        .get(&format!("/projects/{pid}"))
        .await
        .assert_contains("<dd>owner</dd>");
    assert_eq!(
        owner.get(&format!("/projects/{pid}/settings")).await.status,
        200
    );
    // A direct viewer in an editor team edits; so does someone in a viewer and an editor team.
    for (who, client) in [("viewer", &viewer), ("plain", &plain)] {
        client
            .get(&format!("/projects/{pid}"))
            .await
            .assert_contains("editor (through a team)");
        open_editor(client, pid)
            .await
            .assert_contains("/editor/save");
        assert_eq!(
            client
                .get(&format!("/projects/{pid}/settings"))
                .await
                .status,
            403,
            "{who}"
        );
    }
    // The last-owner rule is untouched: a team role is never owner.
    let res = s
        .client
        .post(
            &format!("/projects/{pid}/members/{}/remove", s.user_id),
            &[],
        )
        .await;
    assert!(res.status < 400, "{}", res.body);
    s.client.get(&format!("/projects/{pid}/members")).await;
    let res = s
        .client
        .post(&format!("/projects/{pid}/members/{owner_id}/remove"), &[])
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("A project always keeps at least one owner");
}
on_both_databases!(the_highest_role_wins);

async fn the_members_page_shows_access_through_teams(app: TestApp) {
    let s = setup(&app, "TeamShown").await;
    let pid = s.pid;
    let (engineer, eng) = signed_in(&app, s.company_id, "eng.teamshown", "engineer").await;
    add_member(&app, pid, eng, "viewer");
    let team = create_team(&s.client, "Substations").await;
    let colleague = add_user(&app, s.company_id, "col.teamshown", "engineer");
    add_to_team(&s.client, team, colleague).await;
    add_to_team(&s.client, team, eng).await;
    engineer
        .get(&format!("/projects/{pid}/members"))
        .await
        .assert_contains("The project is not given to any team.");
    give_project(&s.client, team, pid, "editor").await;

    let page = engineer.get(&format!("/projects/{pid}/members")).await;
    page.assert_contains("Access through teams");
    page.assert_contains("<td>Substations</td>");
    page.assert_contains("<td>editor</td>");
    page.assert_contains("col.teamshown (col.teamshown), eng.teamshown (eng.teamshown)");
    // Company admins get a link to the team.
    let page = s.client.get(&format!("/projects/{pid}/members")).await;
    page.assert_contains(&format!("<a href=\"/admin/teams/{team}\">Substations</a>"));
    s.client
        .get(&format!("/projects/{pid}"))
        .await
        .assert_contains("Substations (editor)");
    // The team's page lists the project and the people.
    let page = s.client.get(&format!("/admin/teams/{team}")).await;
    page.assert_contains(&format!(
        "<a href=\"/projects/{pid}\">TeamShown substation</a>"
    ));
    page.assert_contains("col.teamshown");
    let list = s.client.get("/admin/teams").await;
    list.assert_contains("<td>2</td>\n      <td>1</td>");
    // The user's admin page lists the project with both sources; the team-only colleague's
    // page with the team's; the role that applies is the highest.
    let page = s.client.get(&format!("/admin/users/{eng}")).await;
    page.assert_contains(&format!(
        "<a href=\"/projects/{pid}\">TeamShown substation</a>"
    ));
    page.assert_contains(
        "<td>editor</td><td>direct member (viewer), team Substations (editor)</td>",
    );
    let page = s.client.get(&format!("/admin/users/{colleague}")).await;
    page.assert_contains("<td>editor</td><td>team Substations (editor)</td>");
    // Leaving the team takes the project off their page.
    s.client
        .post(
            &format!("/admin/teams/{team}/members/{colleague}/remove"),
            &[],
        )
        .await;
    let page = s.client.get(&format!("/admin/users/{colleague}")).await;
    page.assert_contains("No access to any project, directly or through a team.");
}
on_both_databases!(the_members_page_shows_access_through_teams);

async fn deleting_a_team_takes_its_access_away(app: TestApp) {
    let s = setup(&app, "TeamDelete").await;
    let pid = s.pid;
    let (engineer, eng) = signed_in(&app, s.company_id, "eng.teamdelete", "engineer").await;
    let team = create_team(&s.client, "Temporary").await;
    add_to_team(&s.client, team, eng).await;
    give_project(&s.client, team, pid, "editor").await;
    assert_eq!(engineer.get(&format!("/projects/{pid}")).await.status, 200);

    s.client.get(&format!("/admin/teams/{team}")).await;
    s.client
        .post(&format!("/admin/teams/{team}/delete"), &[])
        .await
        .assert_redirect("/admin/teams");
    s.client
        .get("/admin/teams")
        .await
        .assert_contains("Team Temporary deleted");
    assert_eq!(engineer.get(&format!("/projects/{pid}")).await.status, 404);
    engineer
        .get("/projects")
        .await
        .assert_contains("No projects yet");
    assert_eq!(team_tables(&app), "[] [] []");
    let entry = &audit_entries(&app, s.company_id, "team.delete")[0];
    assert_eq!(entry.log.outcome, "success");
    assert_eq!(entry.log.entity_id, Some(team));
    let before = &entry.log.changes.0["before"];
    assert_eq!(before["name"], "Temporary");
    assert_eq!(before["members"][0]["username"], "eng.teamdelete");
    assert_eq!(before["projects"][0]["project_id"], pid);
    assert_eq!(before["projects"][0]["role"], "editor");
    assert!(entry.log.changes.0["after"].is_null());
}
on_both_databases!(deleting_a_team_takes_its_access_away);

async fn the_cached_project_list_follows_team_changes(app: TestApp) {
    let s = setup(&app, "TeamCache").await;
    let pid = s.pid;
    let eng = add_user(&app, s.company_id, "eng.teamcache", "engineer");
    let team = create_team(&s.client, "Cached").await;
    give_project(&s.client, team, pid, "viewer").await;

    // The engineer works on another server process, and on this one.
    let other = Client::new(&app.spawn_sibling());
    sign_in(&other, "eng.teamcache").await;
    let here = app.client();
    sign_in(&here, "eng.teamcache").await;
    for client in [&other, &here] {
        let list = client.get("/projects").await;
        list.assert_contains("No projects yet");
        assert_eq!(
            client.get("/projects").await.body,
            list.body,
            "served again"
        );
    }

    add_to_team(&s.client, team, eng).await;
    for client in [&other, &here] {
        client
            .get("/projects")
            .await
            .assert_contains("TeamCache substation");
        client
            .get_htmx("/projects?q=substation")
            .await
            .assert_contains("TeamCache substation");
        assert_eq!(client.get(&format!("/projects/{pid}")).await.status, 200);
    }
    // The dashboard lists it too.
    other.get("/").await.assert_contains("TeamCache substation");

    s.client
        .post(&format!("/admin/teams/{team}/members/{eng}/remove"), &[])
        .await
        .assert_redirect(&format!("/admin/teams/{team}"));
    for client in [&other, &here] {
        client
            .get("/projects")
            .await
            .assert_contains("No projects yet");
        assert_eq!(client.get(&format!("/projects/{pid}")).await.status, 404);
    }

    // Changes straight into the database show as well.
    app.with_conn(|conn| {
        diesel::insert_into(team_members::table)
            .values((
                team_members::team_id.eq(team),
                team_members::user_id.eq(eng),
                team_members::added_at.eq(ampflux::util::now()),
            ))
            .execute(conn)
            .unwrap();
    });
    other
        .get("/projects")
        .await
        .assert_contains("TeamCache substation");
    app.with_conn(|conn| {
        diesel::delete(project_teams::table.filter(project_teams::team_id.eq(team)))
            .execute(conn)
            .unwrap();
    });
    other
        .get("/projects")
        .await
        .assert_contains("No projects yet");
    assert_eq!(other.get(&format!("/projects/{pid}")).await.status, 404);
}
on_both_databases!(the_cached_project_list_follows_team_changes);
