//! Equipment duty check: circuit breakers against the results at their bus.

use super::circuit::{Circuit, SwitchType};
use super::results::{BusResult, DutyResult, finite};

/// Duty check of circuit breakers with ratings against the results at their bus.
pub fn duty_check(c: &Circuit, buses: &[BusResult]) -> Vec<DutyResult> {
    c.switches
        .iter()
        .filter(|s| s.in_service && s.switch_type == Some(SwitchType::CB))
        .filter(|s| s.rated_ib_ka.is_some() || s.rated_ip_ka.is_some())
        .filter_map(|s| {
            let r = buses.iter().find(|b| b.id == s.bus)?;
            let util = |v: Option<f64>, rated: Option<f64>| match (v, rated) {
                (Some(v), Some(rt)) => finite(v / rt * 100.0),
                _ => None,
            };
            let ib_u = util(r.ikss_ka, s.rated_ib_ka);
            let ip_u = util(r.ip_ka, s.rated_ip_ka);
            let status = if r.ikss_ka.is_none() {
                "unknown"
            } else if ib_u.unwrap_or(0.0) > 100.0 || ip_u.unwrap_or(0.0) > 100.0 {
                "fail"
            } else {
                "pass"
            };
            Some(DutyResult {
                switch: s.id.clone(),
                bus: s.bus.clone(),
                ib_ka: r.ikss_ka,
                rated_ib_ka: s.rated_ib_ka,
                ib_utilisation_percent: ib_u,
                ip_ka: r.ip_ka,
                rated_ip_ka: s.rated_ip_ka,
                ip_utilisation_percent: ip_u,
                status: status.into(),
            })
        })
        .collect()
}
