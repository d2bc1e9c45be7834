//! Pages of the results tables: the worst rows come first (the tables' default sort), the
//! rest on demand, so a page of a 100,000-bus result formats and sends 50 rows, not 100,000.

/// Rows per page of the bus and branch tables on the results page.
pub const ROWS_PER_PAGE: usize = 50;

/// Which rows of a sorted table to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rows {
    /// Page `n` (from 1; past the end means the last page).
    Page(usize),
    /// Every row (the study report, exports).
    All,
}

impl Rows {
    /// Reads `?page=`: anything but a positive number is the first page.
    pub fn parse(page: Option<&str>) -> Rows {
        Rows::Page(page.and_then(|p| p.parse().ok()).unwrap_or(1).max(1))
    }

    /// The page number to put in links (`All` counts as the first).
    pub fn number(self) -> usize {
        match self {
            Rows::Page(n) => n,
            Rows::All => 1,
        }
    }
}

/// The pages of a table with `total` rows when `rows` are asked for: the index range to show
/// and the navigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    /// The page shown (from 1) and the number of pages.
    pub page: usize,
    pub pages: usize,
    /// The rows shown, from 1 (0 and 0 for an empty table), and the table's length.
    pub first: usize,
    pub last: usize,
    pub total: usize,
}

impl Pager {
    pub fn new(rows: Rows, total: usize) -> Pager {
        let (page, pages, size) = match rows {
            Rows::All => (1, 1, total.max(1)),
            Rows::Page(n) => {
                let pages = total.div_ceil(ROWS_PER_PAGE).max(1);
                (n.clamp(1, pages), pages, ROWS_PER_PAGE)
            }
        };
        let start = (page - 1) * size;
        let end = (start + size).min(total);
        Pager {
            page,
            pages,
            first: if total == 0 { 0 } else { start + 1 },
            last: end,
            total,
        }
    }

    /// The indices (into the sorted order) of the rows shown.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.first.saturating_sub(1)..self.last
    }

    /// More than one page: the navigation is shown.
    pub fn paged(&self) -> bool {
        self.pages > 1
    }

    pub fn previous(&self) -> Option<usize> {
        (self.page > 1).then(|| self.page - 1)
    }

    pub fn next(&self) -> Option<usize> {
        (self.page < self.pages).then(|| self.page + 1)
    }

    /// "Rows 51–100 of 1,000" (or "All 12 rows").
    pub fn summary(&self, noun: &str) -> String {
        if self.paged() {
            format!(
                "{noun} {}–{} of {}, page {} of {}",
                thousands(self.first),
                thousands(self.last),
                thousands(self.total),
                self.page,
                self.pages
            )
        } else {
            format!("{} {}", thousands(self.total), noun.to_lowercase())
        }
    }
}

/// A link to another page of a table: a plain URL and the URL of the table alone (htmx).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    pub href: String,
    pub hx: String,
}

/// What a table shows above and below its rows: which rows these are, and the way to the
/// neighbouring pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageNav {
    /// The page shown (from 1, after clamping).
    pub page: usize,
    pub summary: String,
    pub paged: bool,
    pub previous: Option<PageLink>,
    pub next: Option<PageLink>,
}

impl PageNav {
    /// `link(n)` gives the links to page `n`.
    pub fn new(pager: &Pager, noun: &str, link: impl Fn(usize) -> PageLink) -> PageNav {
        PageNav {
            page: pager.page,
            summary: pager.summary(noun),
            paged: pager.paged(),
            previous: pager.previous().map(&link),
            next: pager.next().map(&link),
        }
    }
}

/// 1234567 → "1,234,567".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_row_once_and_clamp_past_the_end() {
        let p = Pager::new(Rows::Page(1), 120);
        assert_eq!((p.page, p.pages, p.first, p.last), (1, 3, 1, 50));
        assert_eq!(p.range(), 0..50);
        assert_eq!((p.previous(), p.next()), (None, Some(2)));
        let last = Pager::new(Rows::Page(3), 120);
        assert_eq!((last.first, last.last), (101, 120));
        assert_eq!(last.range(), 100..120);
        assert_eq!((last.previous(), last.next()), (Some(2), None));
        assert_eq!(Pager::new(Rows::Page(99), 120), last);
        assert_eq!(last.summary("Buses"), "Buses 101–120 of 120, page 3 of 3");

        let all = Pager::new(Rows::All, 120);
        assert_eq!((all.range(), all.paged()), (0..120, false));
        let empty = Pager::new(Rows::Page(1), 0);
        assert_eq!(
            (empty.range(), empty.pages, empty.paged()),
            (0..0, 1, false)
        );
        let small = Pager::new(Rows::Page(1), 7);
        assert_eq!(small.summary("Buses"), "7 buses");
        assert_eq!(
            Pager::new(Rows::Page(2), 1_000_000).summary("Buses"),
            "Buses 51–100 of 1,000,000, page 2 of 20000"
        );
    }

    #[test]
    fn page_numbers_are_read_leniently() {
        assert_eq!(Rows::parse(None), Rows::Page(1));
        assert_eq!(Rows::parse(Some("3")), Rows::Page(3));
        assert_eq!(Rows::parse(Some("0")), Rows::Page(1));
        assert_eq!(Rows::parse(Some("-2")), Rows::Page(1));
        assert_eq!(Rows::parse(Some("lots")), Rows::Page(1));
    }
}
