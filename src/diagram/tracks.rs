//! Connector tracks: the horizontals of the links in one channel between two rows, each on a
//! track so that no two lie on top of each other and no two verticals overlap.

/// Tracks per channel before horizontals are allowed to share one (keeps heights bounded).
const MAX_TRACKS: usize = 16;

/// A horizontal to place on a track: (route, leg, from x, to x).
pub(super) type Span = (usize, usize, f64, f64);

/// Tracks for horizontals into the next row, track 0 nearest to it.
///
/// Hard rule: where a hub's drop and another link's entry share a column, the hub's track must
/// be above the other's, or the two verticals would overlap and read as one wire (the vertical
/// constraint of channel routing); one track is left free between them so that the two bends
/// are clearly apart. Spans are placed bottom-up in an order that respects these
/// constraints; cycles (two links swapping columns) fall back to the plain order. Soft rule,
/// for the plain order: fans to the right are stacked from the leftmost start upwards, fans to
/// the left from the rightmost start, which keeps a parent's connectors from crossing.
pub(super) fn down_tracks(mut spans: Vec<Span>) -> (Vec<Span>, Vec<usize>, usize) {
    spans.sort_by(|a, b| {
        let rightward = |s: &Span| s.3 >= s.2;
        rightward(b).cmp(&rightward(a)).then_with(|| {
            if rightward(a) {
                a.2.total_cmp(&b.2).then(a.3.total_cmp(&b.3))
            } else {
                b.2.total_cmp(&a.2).then(b.3.total_cmp(&a.3))
            }
        })
    });
    let below = column_conflicts(&spans);
    let order = bottom_up(&below);
    let mut tracks = vec![0; spans.len()];
    let mut used: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut placed = vec![false; spans.len()];
    for i in order {
        let min = below[i]
            .iter()
            .filter(|&&j| placed[j])
            .map(|&j| tracks[j] + 2)
            .max()
            .unwrap_or(0);
        tracks[i] = place_span(&spans[i], min, &mut used);
        placed[i] = true;
    }
    (spans, tracks, used.len())
}

/// For each span, the spans whose entry shares a column with its drop (so must run below it).
fn column_conflicts(spans: &[Span]) -> Vec<Vec<usize>> {
    const COLUMN: f64 = 6.0;
    let bends = |s: &Span| (s.3 - s.2).abs() >= 0.5;
    let mut entries: Vec<(f64, usize)> = spans
        .iter()
        .enumerate()
        .filter(|(_, s)| bends(s))
        .map(|(j, s)| (s.3, j))
        .collect();
    entries.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if !bends(s) {
                return Vec::new();
            }
            let from = entries.partition_point(|e| e.0 < s.2 - COLUMN);
            entries[from..]
                .iter()
                .take_while(|e| e.0 <= s.2 + COLUMN)
                .map(|e| e.1)
                .filter(|&j| j != i)
                .collect()
        })
        .collect()
}

/// Kahn's order: a span comes after every span it must be above; ties and leftovers from
/// cycles keep the given order.
fn bottom_up(below: &[Vec<usize>]) -> Vec<usize> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let n = below.len();
    let mut waiting: Vec<usize> = below.iter().map(Vec::len).collect();
    let mut above = vec![Vec::new(); n];
    for (i, b) in below.iter().enumerate() {
        for &j in b {
            above[j].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&i| waiting[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    let mut done = vec![false; n];
    while let Some(Reverse(j)) = ready.pop() {
        order.push(j);
        done[j] = true;
        for &i in &above[j] {
            waiting[i] -= 1;
            if waiting[i] == 0 {
                ready.push(Reverse(i));
            }
        }
    }
    order.extend((0..n).filter(|&i| !done[i]));
    order
}

/// Tracks for horizontals within a row, track 0 nearest to the row: shorter spans first so that
/// a span nested in another runs above it and their verticals do not cross.
pub(super) fn within_tracks(mut spans: Vec<Span>) -> (Vec<Span>, Vec<usize>, usize) {
    let len = |s: &Span| (s.3 - s.2).abs();
    spans.sort_by(|a, b| {
        len(a)
            .total_cmp(&len(b))
            .then(a.2.min(a.3).total_cmp(&b.2.min(b.3)))
    });
    let (tracks, count) = stack(&spans);
    (spans, tracks, count)
}

/// Puts each span, in order, on the lowest track where it overlaps nothing; returns the tracks
/// and how many are used.
fn stack(spans: &[Span]) -> (Vec<usize>, usize) {
    let mut used: Vec<Vec<(f64, f64)>> = Vec::new();
    let tracks = spans.iter().map(|s| place_span(s, 0, &mut used)).collect();
    (tracks, used.len())
}

/// The lowest track from `min` up where the span's horizontal overlaps nothing. A connection
/// without a horizontal takes no track.
fn place_span(s: &Span, min: usize, used: &mut Vec<Vec<(f64, f64)>>) -> usize {
    const CLEARANCE: f64 = 4.0;
    let (lo, hi) = (s.2.min(s.3), s.2.max(s.3));
    if hi - lo < 0.5 {
        return 0;
    }
    let free = |t: &Vec<(f64, f64)>| {
        t.iter()
            .all(|&(a, b)| hi + CLEARANCE < a || b + CLEARANCE < lo)
    };
    let min = min.min(MAX_TRACKS - 1);
    let t = match used.iter().skip(min).position(free) {
        Some(t) => t + min,
        None => used.len().max(min).min(MAX_TRACKS - 1),
    };
    if used.len() <= t {
        used.resize(t + 1, Vec::new());
    }
    used[t].push((lo, hi));
    t
}
