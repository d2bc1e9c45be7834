//! The study report through HTTP on both databases: the print-ready page has its sections, the
//! PDF is a PDF whose text (read with poppler's `pdftotext`) has the project, the bus names and
//! the Ik'' values; another company's simulation is a 404, a simulation without results a
//! readable refusal.

use std::time::Duration;

use crate::common::*;
use crate::on_both_databases;
use ampflux::models::simulation as sims;

fn stored(app: &TestApp, id: i64) -> sims::StoredResult {
    app.with_conn(|conn| sims::stored_result(conn, id).expect("result"))
}

/// GET `path` as `client` and return (status, content type, body bytes).
async fn get_bytes(client: &Client, path: &str) -> (u16, String, Vec<u8>) {
    let http = awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(30))
        .finish();
    let mut res = http
        .get(format!("{}{path}", client.base))
        .insert_header(("Cookie", client.cookie_header()))
        .send()
        .await
        .expect("request sent");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = res.body().limit(50 * 1024 * 1024).await.expect("body");
    (res.status().as_u16(), ct, body.to_vec())
}

/// The text of a PDF, by poppler's `pdftotext` (Debian's poppler-utils; .ci/run installs it).
/// Without it the text checks are skipped with a note, except under `CI=true`, where they fail
/// (as the SMTP tests do without aiosmtpd).
fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, bytes).expect("write pdf");
    let out = match std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) => out,
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!(
                "note: the PDF's text is not checked: pdftotext cannot run ({e}); install poppler-utils"
            );
            return None;
        }
        Err(e) => panic!("pdftotext runs (Debian package poppler-utils): {e}"),
    };
    assert!(
        out.status.success(),
        "pdftotext cannot read the PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("UTF-8 text"))
}

async fn the_report_has_every_section_as_html_and_pdf(app: TestApp) {
    let s = setup(&app, "Report").await;
    let id = completed_simulation(&s.client, s.pid).await;
    let r = stored(&app, id);

    // The results page links to both.
    let page = s.client.get(&format!("/simulations/{id}")).await;
    page.assert_contains(&format!("href=\"/simulations/{id}/report\""));
    page.assert_contains(&format!("href=\"/simulations/{id}/report.pdf\""));

    let html = s.client.get(&format!("/simulations/{id}/report")).await;
    assert_eq!(html.status, 200);
    html.assert_contains("<link rel=\"stylesheet\" href=\"/static/report.css\">");
    html.assert_contains("Short-circuit study: Report substation");
    for section in [
        "id=\"study\"",
        "id=\"options\"",
        "id=\"assumptions\"",
        "id=\"findings\"",
        "id=\"duty\"",
        "id=\"results\"",
        "id=\"diagram\"",
        "id=\"charts\"",
        "id=\"inputs\"",
        "id=\"input-lines\"",
        "id=\"input-transformers\"",
    ] {
        html.assert_contains(section);
    }
    html.assert_contains(&r.circuit.content_hash);
    html.assert_contains("IEC 60909-0:2016");
    html.assert_contains("cmax = 1.10");
    // Names, not ids, with the engine's Ik'' per bus.
    html.assert_contains("<th scope=\"row\">110 kV busbar</th>");
    for b in &r.results.buses {
        html.assert_contains(&format!("{:.3}", b.ikss_ka.expect("fed")));
    }

    let (status, ct, pdf) = get_bytes(&s.client, &format!("/simulations/{id}/report.pdf")).await;
    assert_eq!(status, 200);
    assert_eq!(ct, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    if let Some(text) = pdf_text(&pdf) {
        assert!(
            text.contains("Short-circuit study: Report substation"),
            "{text}"
        );
        assert!(
            text.contains("110 kV busbar") && text.contains("20 kV busbar"),
            "{text}"
        );
        assert!(text.contains("MV2") && text.contains("LV"), "{text}");
        for b in &r.results.buses {
            let v = format!("{:.3}", b.ikss_ka.expect("fed"));
            assert!(
                text.contains(&v),
                "Ik'' {v} of bus {} missing in the PDF",
                b.id
            );
        }
        assert!(text.contains(&r.circuit.content_hash), "hash in the PDF");
        assert!(text.contains("Page 1 of "), "page numbers");
        assert!(text.contains("CB1"), "duty check in the PDF");
    }
}
on_both_databases!(the_report_has_every_section_as_html_and_pdf);

async fn strangers_get_404_and_unfinished_runs_a_message(app: TestApp) {
    let s = setup(&app, "RepAccess").await;
    let id = completed_simulation(&s.client, s.pid).await;
    // Another company: 404 for the page and the PDF.
    let (other, _) = signed_up(&app, "RepOther").await;
    for path in [
        format!("/simulations/{id}/report"),
        format!("/simulations/{id}/report.pdf"),
    ] {
        assert_eq!(other.get(&path).await.status, 404, "{path}");
    }
    // A reviewer of the same company reads it.
    let (reviewer, _) = signed_in(&app, s.company_id, "rep-reviewer", "reviewer").await;
    assert_eq!(
        reviewer
            .get(&format!("/simulations/{id}/report"))
            .await
            .status,
        200
    );
    // A simulation without results has no report: a readable refusal, not a 500.
    let failed = id;
    app.with_conn(|conn| {
        use ampflux::db::schema::simulations::dsl as s_;
        use diesel::prelude::*;
        diesel::update(s_::simulations.filter(s_::id.eq(failed)))
            .set((s_::status.eq("failed"), s_::error.eq(Some("boom"))))
            .execute(conn)
            .expect("marked failed");
    });
    for path in [
        format!("/simulations/{failed}/report"),
        format!("/simulations/{failed}/report.pdf"),
    ] {
        let res = s.client.get(&path).await;
        assert_eq!(res.status, 409, "{path}");
        res.assert_contains("Only a completed simulation has a study report");
    }
    assert_eq!(
        s.client.get("/simulations/999999/report.pdf").await.status,
        404
    );
}
on_both_databases!(strangers_get_404_and_unfinished_runs_a_message);
