//! The study report as a print-ready HTML page (templates/simulations/report.html with
//! static/report.css: A4, tables whose header repeats on every printed page, page numbers).

use askama::Template;

use super::StudyReport;

#[derive(Template)]
#[template(path = "simulations/report.html")]
pub struct ReportPage<'a> {
    pub r: &'a StudyReport,
}

/// The whole page.
pub fn render(r: &StudyReport) -> Result<String, askama::Error> {
    ReportPage { r }.render()
}
