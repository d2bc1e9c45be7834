//! Factorized sequence networks, shared by the parts of the calculation (bus results, branch
//! currents, breaking currents): the solves on Z = Y⁻¹, the current-source injections and the
//! calculation's error.

use super::admittance::{Variant, assemble};
use super::model::{self, Model, ModelError};
use super::options::{Fault, ScOptions};
use super::sparse::{Ldlt, SparseError};
use super::validate::{Problem, Severity};
use num_complex::Complex64 as C64;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalcError {
    #[error("the circuit is invalid ({} problem(s))", .0.iter().filter(|p| p.severity == Severity::Error).count())]
    Invalid(Vec<Problem>),
    #[error("{0}")]
    Model(#[from] ModelError),
    /// The circuit lacks data the study needs (`requirements::missing`); never empty.
    #[error("{}", incomplete(.0))]
    Incomplete(Vec<super::requirements::Missing>),
    #[error("options.{field}: {message}")]
    Options {
        field: &'static str,
        message: String,
    },
    /// The factorization of a sequence network failed; `node` is the model node where it was
    /// found and `at` names it (a bus, or an internal node).
    #[error("{network} network, at {at}: {source}")]
    Solver {
        network: &'static str,
        node: usize,
        at: String,
        source: SparseError,
    },
}

impl CalcError {
    /// Every problem, for display (one line each).
    pub fn problems(&self) -> Vec<String> {
        match self {
            CalcError::Invalid(p) => p.iter().map(|p| p.to_string()).collect(),
            CalcError::Incomplete(m) => m.iter().map(|m| format!("error: {m}")).collect(),
            other => vec![format!("error: {other}")],
        }
    }
}

/// The first missing item, and how many more there are.
fn incomplete(m: &[super::requirements::Missing]) -> String {
    match m {
        [] => "the circuit lacks data for this study".into(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
    }
}

/// ΔU'' per node and the faulted power-station unit (see [`fault_voltages`]).
pub(super) type FaultVoltages<'u> = (Vec<C64>, Option<&'u model::PsUnit>);

/// A three-phase fault at `node` of `net` (positive sequence, every node included): the
/// voltage change ΔU'' at every node (p.u.; zero at a node outside the network) and the
/// power-station unit whose generator terminals are faulted, if any (then the network is
/// factorized again with the unit's own correction, clause 6.7.1). `None` when `node` is not in
/// the network. Shared by Ib (duty) and Ik (steady state).
pub(super) fn fault_voltages<'u>(
    m: &Model,
    net: &model::SeqNetwork,
    units: &'u [model::PsUnit],
    main: &Solved,
    o: &ScOptions,
    node: usize,
) -> Result<Option<FaultVoltages<'u>>, CalcError> {
    let unit = units.iter().find(|u| u.gen_node == node);
    let own;
    let (s, ratio) = match unit {
        Some(u) => {
            let all = vec![true; m.n];
            let v = Variant {
                own_unit: Some(u),
                freq_ratio: None,
            };
            own = Solved::new(m, net, &all, v)?;
            (&own, u.voltage_ratio)
        }
        None => (main, 1.0),
    };
    let Some(k) = s.index[node] else {
        return Ok(None);
    };
    let mut col = vec![C64::default(); s.f.size()];
    col[k] = C64::new(1.0, 0.0);
    s.f.solve(&mut col);
    let i1 = C64::new(m.c[node] * ratio, 0.0) / (col[k] + super::formulas::fault_z(m, o, node));
    let v = s
        .index
        .iter()
        .map(|i| i.map_or(C64::default(), |i| col[i] * i1))
        .collect();
    Ok(Some((v, unit)))
}

/// Factorized sequence network over a subset of model nodes.
pub(super) struct Solved {
    pub(super) index: Vec<Option<usize>>,
    pub(super) f: Ldlt,
}

impl Solved {
    pub(super) fn new(
        m: &Model,
        net: &model::SeqNetwork,
        include: &[bool],
        v: Variant,
    ) -> Result<Self, CalcError> {
        let mut index = vec![None; m.n];
        let mut k = 0;
        for (i, &inc) in include.iter().enumerate() {
            if inc {
                index[i] = Some(k);
                k += 1;
            }
        }
        let y = assemble(net, &index, k, v);
        let f = Ldlt::factorize(&y).map_err(|e| solver_error(m, net, &index, e))?;
        Ok(Solved { index, f })
    }
    /// Another network with the same structure (κ method C), reusing the ordering.
    pub(super) fn sibling(
        &self,
        m: &Model,
        net: &model::SeqNetwork,
        v: Variant,
    ) -> Result<Self, CalcError> {
        let y = assemble(net, &self.index, self.f.size(), v);
        let f = (self.f.refactorize(&y)).map_err(|e| solver_error(m, net, &self.index, e))?;
        Ok(Solved {
            index: self.index.clone(),
            f,
        })
    }
    /// Diagonal of Z for every model node (None where excluded).
    pub(super) fn diagonal(&self) -> Vec<Option<C64>> {
        let d = self.f.inverse_diagonal();
        self.index.iter().map(|i| i.map(|i| d[i])).collect()
    }
    /// Z[k, k] by one solve.
    pub(super) fn diagonal_at(&self, node: usize) -> Option<C64> {
        let i = self.index[node]?;
        let mut e = vec![C64::default(); self.f.size()];
        e[i] = C64::new(1.0, 0.0);
        self.f.solve(&mut e);
        Some(e[i])
    }
    /// Z · injections (model numbering).
    pub(super) fn apply(&self, injections: &[(usize, C64)]) -> Vec<Option<C64>> {
        let mut rhs = vec![C64::default(); self.f.size()];
        for &(node, i) in injections {
            if let Some(k) = self.index[node] {
                rhs[k] += i;
            }
        }
        self.f.solve(&mut rhs);
        self.index.iter().map(|i| i.map(|i| rhs[i])).collect()
    }
}

/// A factorization error with the model node it was found at (named later by [`locate`]).
fn solver_error(
    m: &Model,
    net: &model::SeqNetwork,
    index: &[Option<usize>],
    e: SparseError,
) -> CalcError {
    let node = index.iter().position(|&k| k == Some(e.node())).unwrap_or(0);
    let network = if std::ptr::eq(net, &m.pos) {
        "positive-sequence"
    } else {
        "zero-sequence"
    };
    CalcError::Solver {
        network,
        node,
        at: format!("node {node}"),
        source: e,
    }
}

/// Current-source injections I_j = k·IrG with angle −arg(Z[j,j]) (pandapower's convention for
/// 3ph; −90° for the other fault types).
pub(super) fn injections(m: &Model, o: &ScOptions, diag: &[Option<C64>]) -> Vec<(usize, C64)> {
    m.current_sources
        .iter()
        .map(|&(node, i)| {
            let angle = match (o.fault, diag[node]) {
                (Fault::ThreePhase, Some(z)) => -z.arg(),
                _ => -std::f64::consts::FRAC_PI_2,
            };
            (node, C64::from_polar(i, angle))
        })
        .collect()
}
