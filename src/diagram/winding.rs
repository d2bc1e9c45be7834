//! Three-winding transformers: each winding gets its own connection. The symbol (three
//! circles) hangs below its hub bus; the hub's winding is a short stub from the bar to the top
//! circle, and the two other windings leave from the bottoms of the lower left and lower right
//! circles, each down to its own track and across to its bus. Which lower circle serves which
//! bus is chosen so that the three connections never cross (see [`untangle`]).

use super::layout::Route;
use super::model::{LinkKind, Model};

/// Horizontal offset of the lower circles' centres from the symbol's axis.
pub const EXIT_DX: f64 = 6.0;
/// Below the hub's bar: the top of the upper circle (end of the hub's stub) and the bottom
/// of the lower circles (start of the two other connections). Match `symbols::transformer3w`.
pub const STUB_DY: f64 = 24.0;
pub const EXIT_DY: f64 = 48.0;

/// A connection as a polyline of axis-parallel segments.
pub type Polyline = Vec<(f64, f64)>;

/// Before tracks are assigned: the leg to the bus further left leaves from the left circle.
pub fn assign_exits(model: &Model, routes: &mut [Route]) {
    for (link, route) in model.links.iter().zip(routes.iter_mut()) {
        if link.kind != LinkKind::Transformer3w || route.legs.len() != 2 {
            continue;
        }
        let left = usize::from(route.legs[1].x < route.legs[0].x);
        route.legs[left].start_x = route.x - EXIT_DX;
        route.legs[1 - left].start_x = route.x + EXIT_DX;
    }
}

/// After tracks are assigned: when the two lower connections cross (both run the same way
/// and the nearer one's horizontal lies on the wrong side of the other), the circles are
/// swapped, which untangles every such pair.
pub fn untangle(model: &Model, routes: &mut [Route]) {
    for (link, route) in model.links.iter().zip(routes.iter_mut()) {
        if link.kind != LinkKind::Transformer3w || route.legs.len() != 2 {
            continue;
        }
        if tangled(route) {
            let (a, b) = (route.legs[0].start_x, route.legs[1].start_x);
            route.legs[0].start_x = b;
            route.legs[1].start_x = a;
            if tangled(route) {
                // Neither way is clean (tracks shared with other links): keep the first.
                route.legs[0].start_x = a;
                route.legs[1].start_x = b;
            }
        }
    }
}

fn tangled(route: &Route) -> bool {
    let c = connections(route);
    (0..c.len()).any(|i| (i + 1..c.len()).any(|j| polylines_cross(&c[i], &c[j])))
}

/// The connections of a three-winding transformer's route: the hub's stub first, then one per
/// leg (from its circle down to its track, across, and into its bar).
pub fn connections(route: &Route) -> Vec<Polyline> {
    let mut out = vec![vec![(route.x, route.y), (route.x, route.y + STUB_DY)]];
    for leg in &route.legs {
        out.push(vec![
            (leg.start_x, route.y + EXIT_DY),
            (leg.start_x, leg.track_y),
            (leg.x, leg.track_y),
            (leg.x, leg.y),
        ]);
    }
    out
}

/// Whether two polylines share any point.
pub fn polylines_cross(a: &[(f64, f64)], b: &[(f64, f64)]) -> bool {
    a.windows(2)
        .any(|s| b.windows(2).any(|t| segments_meet(s[0], s[1], t[0], t[1])))
}

/// Whether two segments share a point (touching counts), by orientation tests.
fn segments_meet(p1: (f64, f64), p2: (f64, f64), q1: (f64, f64), q2: (f64, f64)) -> bool {
    let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    };
    let on = |p: (f64, f64), q: (f64, f64), r: (f64, f64)| {
        r.0 >= p.0.min(q.0) && r.0 <= p.0.max(q.0) && r.1 >= p.1.min(q.1) && r.1 <= p.1.max(q.1)
    };
    let sign = |v: f64| {
        if v.abs() < 1e-9 {
            0
        } else if v > 0.0 {
            1
        } else {
            -1
        }
    };
    let d1 = sign(cross(q1, q2, p1));
    let d2 = sign(cross(q1, q2, p2));
    let d3 = sign(cross(p1, p2, q1));
    let d4 = sign(cross(p1, p2, q2));
    if d1 * d2 < 0 && d3 * d4 < 0 {
        return true;
    }
    (d1 == 0 && on(q1, q2, p1))
        || (d2 == 0 && on(q1, q2, p2))
        || (d3 == 0 && on(p1, p2, q1))
        || (d4 == 0 && on(p1, p2, q2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments() {
        assert!(segments_meet(
            (0.0, 0.0),
            (2.0, 0.0),
            (1.0, -1.0),
            (1.0, 1.0)
        ));
        assert!(segments_meet(
            (0.0, 0.0),
            (2.0, 0.0),
            (2.0, 0.0),
            (2.0, 5.0)
        ));
        assert!(!segments_meet(
            (0.0, 0.0),
            (2.0, 0.0),
            (3.0, -1.0),
            (3.0, 1.0)
        ));
        assert!(!segments_meet(
            (0.0, 0.0),
            (0.0, 2.0),
            (1.0, 0.0),
            (1.0, 2.0)
        ));
        assert!(segments_meet(
            (0.0, 0.0),
            (0.0, 2.0),
            (0.0, 1.0),
            (0.0, 3.0)
        ));
    }
}
