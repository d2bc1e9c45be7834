//! `ampflux sc FILE ...`: short-circuit calculation from the command line.
//!
//! Reads a circuit v1 or pandapower JSON file (detected by content), prints the results as an
//! aligned table (default), JSON or CSV. Invalid input: the problem list on stderr, exit code 2.

use crate::sc::results::ScResults;
use crate::sc::{Case, Circuit, Fault, KappaMethod, ScOptions, calculate, parse_input};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FaultArg {
    #[value(name = "3ph")]
    ThreePhase,
    #[value(name = "2ph")]
    TwoPhase,
    #[value(name = "2phg")]
    TwoPhaseEarth,
    #[value(name = "1ph")]
    SinglePhase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CaseArg {
    Max,
    Min,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KappaArg {
    B,
    C,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
    Csv,
}

/// Options of `ampflux sc`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScArgs {
    /// Circuit file (AmpFlux circuit v1 or pandapower to_json)
    pub file: PathBuf,
    /// Fault type
    #[arg(long, value_enum, default_value = "3ph")]
    pub fault: FaultArg,
    /// Maximum or minimum currents
    #[arg(long, value_enum, default_value = "max")]
    pub case: CaseArg,
    /// Low-voltage tolerance in percent (6 or 10)
    #[arg(long, default_value_t = 10, value_parser = crate::sc::options::parse_lv_tol)]
    pub lv_tol: u8,
    /// Method for the peak factor kappa in meshed networks
    #[arg(long, value_enum, default_value = "C", ignore_case = true)]
    pub kappa: KappaArg,
    /// Fault duration for Ith, seconds
    #[arg(long, default_value_t = 1.0)]
    pub tk: f64,
    /// Minimum time delay tmin of the breakers for the breaking current Ib, seconds
    #[arg(long, default_value_t = 0.1)]
    pub tmin: f64,
    /// Fault resistance, ohm
    #[arg(long, default_value_t = 0.0)]
    pub r_fault: f64,
    /// Fault reactance, ohm
    #[arg(long, default_value_t = 0.0)]
    pub x_fault: f64,
    /// Fault location(s); all buses when omitted
    #[arg(long = "bus", value_name = "ID")]
    pub buses: Vec<String>,
    /// Also compute branch currents (largest over the fault locations)
    #[arg(long)]
    pub branches: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: FormatArg,
}

impl ScArgs {
    pub fn options(&self) -> ScOptions {
        ScOptions {
            fault: match self.fault {
                FaultArg::ThreePhase => Fault::ThreePhase,
                FaultArg::TwoPhase => Fault::TwoPhase,
                FaultArg::TwoPhaseEarth => Fault::TwoPhaseEarth,
                FaultArg::SinglePhase => Fault::SinglePhase,
            },
            case: match self.case {
                CaseArg::Max => Case::Max,
                CaseArg::Min => Case::Min,
            },
            lv_tol_percent: self.lv_tol,
            kappa_method: match self.kappa {
                KappaArg::B => KappaMethod::B,
                KappaArg::C => KappaMethod::C,
            },
            tk_s: self.tk,
            tmin_s: self.tmin,
            r_fault_ohm: self.r_fault,
            x_fault_ohm: self.x_fault,
            buses: self.buses.clone(),
            branch_results: self.branches,
        }
    }
}

/// Runs the command; never panics on bad input.
pub fn run(args: &ScArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    let parsed = parse_input(&text);
    drop(text); // the input can be tens of MB; keep only the parsed circuit
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    let mut results = match calculate(&parsed.circuit, &args.options()) {
        Ok(r) => r,
        Err(e) => {
            for line in e.problems() {
                eprintln!("{line}");
            }
            return ExitCode::from(2);
        }
    };
    let mut warnings = parsed.warnings;
    warnings.append(&mut results.warnings);
    results.warnings = warnings;
    if args.format != FormatArg::Json {
        for w in &results.warnings {
            eprintln!("warning: {w}");
        }
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.format {
        FormatArg::Json => serde_json::to_writer_pretty(&mut out, &results)
            .map_err(std::io::Error::from)
            .and_then(|_| out.write_all(b"\n")),
        FormatArg::Csv => out.write_all(csv(&results).as_bytes()),
        FormatArg::Table => out.write_all(table(&results, &parsed.circuit).as_bytes()),
    };
    if written.and_then(|_| out.flush()).is_err() {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}")).unwrap_or_default()
}

const COLUMNS: [&str; 11] = [
    "bus", "name", "vn_kv", "ikss_ka", "skss_mva", "ip_ka", "ith_ka", "rk_ohm", "xk_ohm",
    "rk0_ohm", "xk0_ohm",
];

fn rows(r: &ScResults) -> Vec<[String; 11]> {
    r.buses
        .iter()
        .map(|b| {
            [
                b.id.clone(),
                b.name.clone().unwrap_or_default(),
                format!("{}", b.vn_kv),
                num(b.ikss_ka, 4),
                num(b.skss_mva, 2),
                num(b.ip_ka, 4),
                num(b.ith_ka, 4),
                num(b.rk_ohm, 5),
                num(b.xk_ohm, 5),
                num(b.rk0_ohm, 5),
                num(b.xk0_ohm, 5),
            ]
        })
        .collect()
}

/// Left- or right-aligned columns joined by two spaces.
fn aligned(rows: &[Vec<String>], left: usize) -> String {
    let mut widths: Vec<usize> = vec![0; rows.first().map_or(0, Vec::len)];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let parts: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = widths[i].saturating_sub(c.chars().count());
                if i < left {
                    format!("{c}{}", " ".repeat(pad))
                } else {
                    format!("{}{c}", " ".repeat(pad))
                }
            })
            .collect();
        out += parts.join("  ").trim_end();
        out.push('\n');
    }
    out
}

/// Aligned text table as the results page shows it: buses, branches and breakers by name (the
/// id only where names repeat or are empty), units in the heads, 4 significant digits; text
/// columns left, numbers right; unfed buses show empty cells.
pub fn table(r: &ScResults, circuit: &Circuit) -> String {
    use crate::report::names::Names;
    use crate::report::tables::{branch_rows, bus_columns, bus_row, duty_rows};
    let names = Names::new(Some(circuit), &r.buses);
    let limits = crate::sc::findings::Thresholds::new(&r.buses, &r.duty);
    let columns = bus_columns(r.options.fault);
    let mut rows: Vec<Vec<String>> = vec![columns.iter().map(|c| c.label.to_string()).collect()];
    for b in &r.buses {
        let row = bus_row(b, &names, &limits);
        rows.push(
            columns
                .iter()
                .map(|c| row.cell(c.key).to_string())
                .collect(),
        );
    }
    let mut out = aligned(&rows, 1);
    if !r.branches.is_empty() {
        let mut rows = vec![
            [
                "branch",
                "kind",
                "from/HV bus",
                "to/MV bus",
                "LV bus",
                "Ik'' from/HV (kA)",
                "Ik'' to/MV (kA)",
                "Ik'' LV (kA)",
                "fault at bus",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for b in branch_rows(&r.branches, &names) {
            rows.push(vec![
                b.name,
                b.kind,
                b.from_bus,
                b.to_bus,
                b.lv_bus,
                b.from,
                b.to,
                b.lv,
                b.fault_bus,
            ]);
        }
        // Text left, currents right; the fault bus (last) is text but stays right-aligned.
        out.push('\n');
        out += &aligned(&rows, 5);
    }
    if !r.duty.is_empty() {
        let mut rows = vec![
            [
                "breaker".to_string(),
                "bus".to_string(),
                "Ik'' (kA)".to_string(),
                format!("Ib (kA, tmin {} s)", r.options.tmin_s),
                "rated Ib (kA)".to_string(),
                "Ib %".to_string(),
                "ip (kA)".to_string(),
                "rated ip (kA)".to_string(),
                "ip %".to_string(),
                "status".to_string(),
            ]
            .to_vec(),
        ];
        for d in duty_rows(&r.duty, &names) {
            rows.push(vec![
                d.switch, d.bus, d.ikss, d.ib, d.rated_ib, d.ib_pct, d.ip, d.rated_ip, d.ip_pct,
                d.status,
            ]);
        }
        out.push('\n');
        out += &aligned(&rows, 2);
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV of the bus results (one header line, one line per bus).
pub fn csv(r: &ScResults) -> String {
    let mut out = COLUMNS.join(",") + "\n";
    for row in rows(r) {
        let cells: Vec<String> = row.iter().map(|c| csv_field(c)).collect();
        out += &(cells.join(",") + "\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: ScArgs,
    }

    fn args(list: &[&str]) -> ScArgs {
        Cli::try_parse_from(std::iter::once("sc").chain(list.iter().copied()))
            .unwrap()
            .args
    }

    #[test]
    fn options_from_flags() {
        let a = args(&[
            "x.json",
            "--fault",
            "2phg",
            "--case",
            "min",
            "--lv-tol",
            "6",
            "--kappa",
            "B",
            "--tk",
            "0.5",
            "--tmin",
            "0.05",
            "--r-fault",
            "1",
            "--x-fault",
            "2",
            "--bus",
            "B1",
            "--bus",
            "B2",
            "--branches",
            "--format",
            "csv",
        ]);
        let o = a.options();
        assert_eq!(o.fault, Fault::TwoPhaseEarth);
        assert_eq!(o.case, Case::Min);
        assert_eq!(o.lv_tol_percent, 6);
        assert_eq!(o.kappa_method, KappaMethod::B);
        assert_eq!((o.tk_s, o.r_fault_ohm, o.x_fault_ohm), (0.5, 1.0, 2.0));
        assert_eq!(o.tmin_s, 0.05);
        assert_eq!(args(&["x.json"]).options().tmin_s, 0.1);
        assert_eq!(o.buses, vec!["B1".to_string(), "B2".to_string()]);
        assert!(o.branch_results);
        assert_eq!(a.format, FormatArg::Csv);
        assert!(Cli::try_parse_from(["sc", "x.json", "--lv-tol", "7"]).is_err());
        // Numbers as engineers write them.
        let o = args(&["x.json", "--lv-tol", "10.0", "--tk", "1"]).options();
        assert_eq!((o.lv_tol_percent, o.tk_s), (10, 1.0));
        assert_eq!(
            args(&["x.json", "--lv-tol", "6.00"])
                .options()
                .lv_tol_percent,
            6
        );
    }

    fn temp_file(name: &str, text: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("ampflux-sc-{}-{name}", std::process::id()));
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn invalid_input_exits_with_2() {
        let bad = temp_file(
            "bad.json",
            r#"{"format":"ampflux-circuit","version":1,"buses":[{"id":"B","vn_kv":-1}]}"#,
        );
        assert_eq!(run(&args(&[bad.to_str().unwrap()])), ExitCode::from(2));
        let garbage = temp_file("garbage.json", "not json");
        assert_eq!(run(&args(&[garbage.to_str().unwrap()])), ExitCode::from(2));
        assert_eq!(
            run(&args(&["/nonexistent/circuit.json"])),
            ExitCode::from(2)
        );
        let _ = std::fs::remove_file(bad);
        let _ = std::fs::remove_file(garbage);
    }

    #[test]
    fn table_and_csv_list_every_bus() {
        let text = include_str!("../../tests/fixtures/sc/examples/substation.circuit.json");
        let parsed = crate::sc::parse_input(text).unwrap();
        let r = calculate(&parsed.circuit, &ScOptions::default()).unwrap();
        let t = table(&r, &parsed.circuit);
        assert!(t.starts_with("Bus"), "{t}");
        let head = t.lines().next().unwrap();
        for unit in [
            "Ik'' (kA)",
            "Ib (kA)",
            "Ik (kA)",
            "Ith (kA)",
            "κ",
            "R/X",
            "Zk (Ω)",
        ] {
            assert!(head.contains(unit), "{head}");
        }
        // Buses by name: the substation's HV bus is "110 kV busbar".
        assert!(t.lines().any(|l| l.starts_with("110 kV busbar")), "{t}");
        assert_eq!(
            t.lines().take_while(|l| !l.is_empty()).count(),
            1 + parsed.circuit.buses.len()
        );
        let c = csv(&r);
        assert_eq!(c.lines().count(), 1 + parsed.circuit.buses.len());
        assert!(
            c.lines()
                .nth(1)
                .unwrap()
                .starts_with("HV,110 kV busbar,110,")
        );
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("NaN") && !json.contains("null"));
    }
}
