//! The one-line diagram: one component on the editor, a version and the results (the same
//! block, controls and drawing), annotated with the Ik'' bands and their legend in results.

use crate::common::*;
use crate::on_both_databases;

/// The diagram block of a page (its section).
fn diagram_block(body: &str) -> &str {
    let start = body
        .find(r#"<section class="card diagram" id="diagram""#)
        .expect("the diagram component");
    let end = body[start..].find("</section>").expect("the block's end") + start;
    &body[start..end]
}

/// The zoom controls of a block (identical markup on every page).
fn controls(block: &str) -> &str {
    let start = block
        .find(r#"<div class="diagram-tools""#)
        .expect("zoom controls");
    let end = block[start..]
        .find(r#"<div class="diagram-viewport""#)
        .expect("drawing after controls")
        + start;
    &block[start..end]
}

async fn the_editor_version_and_results_share_one_diagram(app: TestApp) {
    let (client, account) = signed_up(&app, "Diagram").await;
    let me = user_by_login(&app, &account.email);
    let pid = project_with_circuit(&app, me.id, "Diagram study", &example_circuit());
    let id = run_simulation(&client, pid, &[]).await;
    wait_finished(&client, id).await;
    let results = client.get(&format!("/simulations/{id}")).await;
    assert_eq!(results.status, 200);
    let editor = client.get(&format!("/projects/{pid}/editor")).await;
    let version = client.get(&format!("/projects/{pid}/versions/1")).await;
    let blocks = [
        diagram_block(&editor.body),
        diagram_block(&version.body),
        diagram_block(&results.body),
    ];
    for b in blocks {
        // The same controls, drawing and readability floor everywhere.
        assert_eq!(controls(b), controls(blocks[0]));
        assert!(controls(b).contains(r#"aria-label="Zoom in""#));
        assert!(controls(b).contains(r#"aria-label="Fit the diagram to the width""#));
        assert!(b.contains(r#"<div class="diagram-viewport" tabindex="0" role="group""#));
        assert!(b.contains(r#"class="one-line" font-family="sans-serif" data-min-font="12""#));
        // Bus names as labels.
        assert!(b.contains(r#"class="bus-name""#));
        assert!(!b.contains(" style=") && !b.contains("<script"));
    }
    // Editor and version: headings of level 2, no annotations; results: level 3 (inside the
    // results), the values in their band's colour and the legend of the bands.
    for b in &blocks[..2] {
        assert!(b.contains(r#"<h2 id="diagram-heading">One-line diagram</h2>"#));
        assert!(!b.contains("diagram-legend") && !b.contains("bus-value"));
    }
    let r = blocks[2];
    assert!(r.contains(r#"<h3 id="diagram-heading">One-line diagram</h3>"#));
    assert!(r.contains(r#"<div class="diagram-legend">"#));
    assert_eq!(r.matches(r#"<svg class="swatch""#).count(), 5);
    for caption in [
        "&#60; 10 kA",
        "10 – 20 kA",
        "20 – 31.5 kA",
        "31.5 – 50 kA",
        "≥ 50 kA",
    ] {
        assert!(r.contains(caption), "legend caption {caption}");
    }
    let values = r.matches(r#"<text class="bus-value band-"#).count();
    assert!(values >= 5, "{values} annotated buses");
    assert!(
        !r.contains(r#"<g class="legend">"#),
        "pages keep the legend out of the SVG"
    );
}
on_both_databases!(the_editor_version_and_results_share_one_diagram);
