//! The htmx answers of row actions: the row or table that changed, with out of band the other
//! rows whose display the change affected, the problem summary, changed id lists and the
//! redrawn diagram.

use std::collections::{HashMap, HashSet};

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use serde_json::Value;

use super::diagram::{DiagramView, PageQuery, diagram_view};
use super::forms::{Editing, FormState, form_view};
use super::tables::{
    DataList, KindView, RefCounts, RowView, SummaryView, TableCtx, datalists, kind_view, row_view,
    summary_view, table_refs,
};
use crate::circuit_edit::edit::{self, Edited};
use crate::circuit_edit::names::Names;
use crate::circuit_edit::problems::ProblemIndex;
use crate::circuit_edit::{KINDS, KindDef};
use crate::ops::circuits::{RowOp, check};
use crate::web::errors::AppResult;

/// A display or edit row, with the other rows an edit changed, the summary and the id lists.
#[derive(Template)]
#[template(path = "circuit/_row_oob.html")]
pub(super) struct RowFragment {
    csrf: String,
    r: RowView,
    others: Vec<RowView>,
    summary: Option<SummaryView>,
    datalists: Vec<DataList>,
    /// The diagram redrawn after an edit (out of band).
    figure: Option<DiagramView>,
}

impl RowFragment {
    /// One row (displayed, or with its edit form) and nothing out of band.
    pub(super) fn alone(csrf: String, r: RowView) -> AppResult<String> {
        Ok(RowFragment {
            csrf,
            r,
            others: Vec::new(),
            summary: None,
            datalists: Vec::new(),
            figure: None,
        }
        .render()?)
    }
}

/// A whole element table (after an add or a delete), with the same extras.
#[derive(Template)]
#[template(path = "circuit/_section_oob.html")]
struct SectionFragment {
    csrf: String,
    k: KindView,
    others: Vec<RowView>,
    summary: Option<SummaryView>,
    datalists: Vec<DataList>,
    figure: Option<DiagramView>,
}

pub(super) fn rename_notice(edited: &Edited) -> Option<String> {
    (edited.references_updated > 0).then(|| {
        format!(
            "Renamed: {} reference{} to it updated.",
            edited.references_updated,
            if edited.references_updated == 1 {
                ""
            } else {
                "s"
            }
        )
    })
}

/// The htmx answer to a row change that was applied: the row or table, the rows whose display
/// the change affected, the summary, changed id lists and the redrawn diagram.
pub(super) fn row_done_fragment(
    t: &TableCtx,
    kind: &'static KindDef,
    op: RowOp,
    before: &Value,
    edited: &Edited,
    csrf: String,
    page_query: &PageQuery,
) -> AppResult<String> {
    let before_idx = check(before);
    let after_idx = check(&edited.circuit);
    let mut summary = summary_view(t, &edited.circuit, &after_idx);
    summary.oob = true;
    summary.notice = rename_notice(edited);
    // Only the id lists that changed (a bus list of a large circuit is long).
    let old_lists = datalists(before);
    let lists: Vec<DataList> = datalists(&edited.circuit)
        .into_iter()
        .filter(|l| {
            !old_lists
                .iter()
                .any(|o| o.dom_id == l.dom_id && o.options == l.options)
        })
        .collect();
    let figure = diagram_view(
        &edited.circuit,
        &t.base,
        &format!("{}/diagram/buses", t.base),
        page_query,
    );
    match op {
        RowOp::Update => {
            let el = edited.after.clone().unwrap_or_default();
            let new_id = edit::element_id(&el).to_string();
            let others = changed_rows(
                t,
                before,
                &before_idx,
                &edited.circuit,
                &after_idx,
                None,
                Some((kind.key, &new_id)),
            );
            let r = row_view(
                t,
                kind,
                &el,
                after_idx.row(kind.key, &new_id),
                &edited.circuit,
                None,
                None,
            );
            let body = RowFragment {
                csrf,
                r,
                others,
                summary: Some(summary),
                datalists: lists,
                figure: Some(figure),
            }
            .render()?;
            Ok(body)
        }
        RowOp::Add | RowOp::Delete => {
            let others = changed_rows(
                t,
                before,
                &before_idx,
                &edited.circuit,
                &after_idx,
                Some(kind.key),
                None,
            );
            let refs = table_refs(t, &edited.circuit);
            let mut k = kind_view(t, kind, &edited.circuit, &after_idx, &Editing::None, &refs);
            if matches!(op, RowOp::Add) {
                // Ready for the next row.
                k.add_open = true;
                if let Some(i) = k.add.as_mut().and_then(|f| f.main.first_mut()) {
                    i.autofocus = true;
                }
            }
            let body = SectionFragment {
                csrf,
                k,
                others,
                summary: Some(summary),
                datalists: lists,
                figure: Some(figure),
            }
            .render()?;
            Ok(body)
        }
    }
}

/// Rows whose display an edit changed (content or problems), other than those the response
/// replaces anyway: sent as out-of-band swaps so that every marker on the page stays true.
fn changed_rows(
    t: &TableCtx,
    before: &Value,
    before_idx: &ProblemIndex,
    after: &Value,
    after_idx: &ProblemIndex,
    skip_kind: Option<&str>,
    skip_row: Option<(&str, &str)>,
) -> Vec<RowView> {
    // What a row shows: its element, its problems, and (in its delete confirmation) how many
    // fields name it.
    let before_refs = edit::reference_counts(before);
    let refs = edit::reference_counts(after);
    // ... and the names of the buses it refers to (a renamed bus changes the lines' rows).
    let (before_names, after_names) = (Names::buses(before), Names::buses(after));
    let signature =
        |idx: &ProblemIndex, counts: &RefCounts, names: &Names, kind: &KindDef, el: &Value| {
            let id = edit::element_id(el);
            let n = counts
                .get(&(kind.key, id.to_string()))
                .copied()
                .unwrap_or(0);
            let buses: Vec<String> = kind
                .columns()
                .filter(|f| f.refers_to == Some("buses"))
                .map(|f| names.label(&edit::display(el, f)))
                .collect();
            format!("{}|{:?}|{n}|{buses:?}", el, idx.row(kind.key, id))
        };
    let mut old: HashMap<(&str, &str), String> = HashMap::new();
    for kind in &KINDS {
        for el in edit::elements(before, kind) {
            old.insert(
                (kind.key, edit::element_id(el)),
                signature(before_idx, &before_refs, &before_names, kind, el),
            );
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for kind in &KINDS {
        if skip_kind == Some(kind.key) {
            continue;
        }
        for (index, el) in edit::elements(after, kind).iter().enumerate() {
            let id = edit::element_id(el);
            // Rows beyond the page's window are not on the page to be replaced.
            if skip_row == Some((kind.key, id))
                || !t.shows(kind.key, index)
                || !seen.insert((kind.key, id))
            {
                continue;
            }
            let sig = signature(after_idx, &refs, &after_names, kind, el);
            if old.get(&(kind.key, id)) != Some(&sig) {
                let mut row = row_view(
                    t,
                    kind,
                    el,
                    after_idx.row(kind.key, id),
                    after,
                    Some(&refs),
                    Some(&after_names),
                );
                row.oob = true;
                out.push(row);
            }
        }
    }
    out
}

/// The htmx answer to a refused row change (422): the row's edit form again with the
/// refusals, or (an add refused, or a row that is gone) the table with the message, which
/// replaces the form or row that asked.
pub(super) fn refused_fragment(
    t: &TableCtx,
    kind: &'static KindDef,
    op: RowOp,
    id: &str,
    current: &Value,
    form: FormState,
    csrf: String,
) -> AppResult<HttpResponse> {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let idx = check(current);
    let existing = edit::find(current, kind, id);
    if let (RowOp::Update, Some(el)) = (op, existing) {
        let mut r = row_view(t, kind, el, idx.row(kind.key, id), current, None, None);
        r.form = Some(form_view(t, kind, Some(el), &form, idx.row(kind.key, id)));
        return Ok(super::super::html_status(
            status,
            RowFragment::alone(csrf, r)?,
        ));
    }
    let (editing, notice) = match op {
        RowOp::Add => (Editing::Add { kind, state: form }, None),
        _ => (Editing::None, form.message),
    };
    let refs = table_refs(t, current);
    let mut k = kind_view(t, kind, current, &idx, &editing, &refs);
    k.notice = notice;
    let body = SectionFragment {
        csrf,
        k,
        others: Vec::new(),
        summary: None,
        datalists: Vec::new(),
        figure: None,
    }
    .render()?;
    // The section replaces the form or row that asked (see the templates' hx-target); say so
    // for the edit row's request too.
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Vary", "HX-Request"))
        .insert_header(("HX-Retarget", format!("#section-{}", kind.key)))
        .insert_header(("HX-Reswap", "outerHTML"))
        .body(body))
}
