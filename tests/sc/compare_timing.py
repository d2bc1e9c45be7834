#!/usr/bin/env python3
"""Times `ampflux sc` against pandapower's calc_sc and power-grid-model's IEC 60909 short
circuit on the same networks, in one run, and compares Ik'' per bus.

Usage (from the repository root, after `cargo build --release`):
    python3 tests/sc/compare_timing.py --ampflux target/release/ampflux \
        [--sizes 10000 50000] [--topology meshed] [--pegase case2869pegase case9241pegase] \
        [--faults 3ph 1ph] [--sample 500 --sample-above 20000] [--no-pgm]

Networks: the PEGASE cases with the short-circuit data of tests/sc/peers.py, and synthetic
networks from the generator of src/sc/synthetic.rs (ported bit for bit below; written as an
AmpFlux circuit for ampflux, converted to pandapower for the peers). Every fault location is a
bus: all buses (`ampflux sc FILE --format json`, and again with `--branches` for the branch
currents, the largest over all fault locations); pandapower calc_sc(fault, case="max",
inverse_y=False: one solve per bus instead of a dense Z); power-grid-model as a batch of one
fault per scenario (all hardware threads, fault output only), from peers.pgm_input, once as it
is and once with KT folded into the transformer impedances. On networks above --sample-above
buses the peers run on --sample evenly spaced fault locations and their times are scaled to
all buses (marked ~); ampflux always runs on all buses. Times are wall clock: ampflux's include
process start, JSON parsing and output; pandapower's only calc_sc; power-grid-model's the model
construction and the batch calculation (not the conversion from pandapower).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

MASK = (1 << 64) - 1


class Rng:
    """SplitMix64, as src/sc/synthetic.rs."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self, lo, hi):
        return lo + (hi - lo) * float(self.next_u64() >> 11) / float(1 << 53)

    def below(self, n):
        return self.next_u64() % max(n, 1)


def cable(rng, lid, f, t):
    r = rng.uniform(0.1, 0.32)
    x = rng.uniform(0.09, 0.14)
    length = rng.uniform(0.2, 2.0)
    c = rng.uniform(200.0, 350.0)
    c0 = rng.uniform(150.0, 300.0)
    return {"id": lid, "from_bus": f, "to_bus": t, "length_km": length, "r_ohm_per_km": r, "x_ohm_per_km": x,
            "c_nf_per_km": c, "r0_ohm_per_km": 4 * r, "x0_ohm_per_km": 3.5 * x, "c0_nf_per_km": c0,
            "endtemp_degree": 90.0, "max_i_ka": 0.4}


def network(n_buses, meshed, seed):
    rng = Rng(seed)
    n = max(n_buses, 3)
    c = {"format": "ampflux-circuit", "version": 1, "name": "synthetic", "frequency_hz": 50,
         "buses": [{"id": "HV", "vn_kv": 110.0}],
         "external_grids": [{"id": "Q", "bus": "HV", "s_sc_max_mva": 5000.0, "s_sc_min_mva": 2000.0,
                             "rx_max": 0.1, "rx_min": 0.12, "x0x_max": 1.5, "r0x0_max": 0.1, "x0x_min": 1.5,
                             "r0x0_min": 0.1}],
         "transformers": [], "lines": []}
    mv = []
    for t in range(max(n // 500, 1)):
        bid = "S%d" % t
        c["buses"].append({"id": bid, "vn_kv": 20.0})
        c["transformers"].append({"id": "T%d" % t, "hv_bus": "HV", "lv_bus": bid, "sn_mva": 40.0,
                                  "vn_hv_kv": 110.0, "vn_lv_kv": 20.0, "vk_percent": 12.0, "vkr_percent": 0.4,
                                  "vector_group": "Dyn5", "vk0_percent": 11.0, "vkr0_percent": 0.4,
                                  "mag0_percent": 100.0, "mag0_rx": 0.0, "si0_hv_partial": 0.9})
        mv.append(bid)
    k = 0
    while len(c["buses"]) < n:
        bid = "B%d" % k
        length = len(mv)
        parent = mv[length - 1 - rng.below(min(length, 8))]
        c["buses"].append({"id": bid, "vn_kv": 20.0})
        c["lines"].append(cable(rng, "L%d" % k, parent, bid))
        mv.append(bid)
        k += 1
    if meshed:
        for m in range(len(mv) // 10):
            i = rng.below(len(mv))
            j = max(i - (5 + rng.below(60)), 0)
            if i != j:
                c["lines"].append(cable(rng, "M%d" % m, mv[i], mv[j]))
    return c


def to_pandapower(c):
    import pandapower as pp
    net = pp.create_empty_network(f_hz=c["frequency_hz"])
    idx = {}
    for b in c["buses"]:
        idx[b["id"]] = pp.create_bus(net, vn_kv=b["vn_kv"], name=b["id"])
    for e in c["external_grids"]:
        pp.create_ext_grid(net, idx[e["bus"]], s_sc_max_mva=e["s_sc_max_mva"], s_sc_min_mva=e["s_sc_min_mva"],
                           rx_max=e["rx_max"], rx_min=e["rx_min"], x0x_max=e["x0x_max"], r0x0_max=e["r0x0_max"],
                           x0x_min=e["x0x_min"], r0x0_min=e["r0x0_min"])
    for t in c["transformers"]:
        pp.create_transformer_from_parameters(
            net, idx[t["hv_bus"]], idx[t["lv_bus"]], sn_mva=t["sn_mva"], vn_hv_kv=t["vn_hv_kv"],
            vn_lv_kv=t["vn_lv_kv"], vk_percent=t["vk_percent"], vkr_percent=t["vkr_percent"], pfe_kw=0,
            i0_percent=0, vector_group="Dyn", vk0_percent=t["vk0_percent"], vkr0_percent=t["vkr0_percent"],
            mag0_percent=t["mag0_percent"], mag0_rx=t["mag0_rx"], si0_hv_partial=t["si0_hv_partial"])
    for l in c["lines"]:
        pp.create_line_from_parameters(
            net, idx[l["from_bus"]], idx[l["to_bus"]], length_km=l["length_km"], r_ohm_per_km=l["r_ohm_per_km"],
            x_ohm_per_km=l["x_ohm_per_km"], c_nf_per_km=l["c_nf_per_km"], max_i_ka=l["max_i_ka"],
            r0_ohm_per_km=l["r0_ohm_per_km"], x0_ohm_per_km=l["x0_ohm_per_km"], c0_nf_per_km=l["c0_nf_per_km"],
            endtemp_degree=l["endtemp_degree"])
    return net


def sample_of(n, sample):
    """Evenly spaced bus positions (all when sample is 0 or at least n)."""
    if not sample or sample >= n:
        return None
    step = n / sample
    return [int(i * step) for i in range(sample)]


def time_peers(net, fault, sample, skip_pgm):
    """pandapower and power-grid-model on the same fault locations (all buses or a sample),
    their times scaled to all buses when sampled; PGM also with KT folded into its input."""
    n = len(net.bus)
    idx = sample_of(n, sample)
    scale = 1.0 if idx is None else n / len(idx)
    from pandapower.shortcircuit import calc_sc
    buses = None if idx is None else net.bus.index.values[idx]
    t0 = time.perf_counter()
    calc_sc(net, bus=buses, fault=fault, case="max", ip=False, ith=False, kappa_method="C",
            inverse_y=False)
    t_pp = (time.perf_counter() - t0) * scale
    pp_ik = {str(net.bus.name[i]): float(v) for i, v in net.res_bus_sc.ikss_ka.items() if v == v}
    out = {"pp": (t_pp, pp_ik)}
    if not skip_pgm:
        for kt in (False, True):
            data, names = peers.pgm_input(net, with_kt=kt)
            names = [str(net.bus.name[int(b)]) for b in names]
            t, ik = peers.run_pgm(data, names, fault, buses=idx)
            out["pgm_kt" if kt else "pgm"] = (t * scale, ik)
    return out, scale != 1.0


def cases(args, tmp):
    """(label, pandapower net, path of the file ampflux reads) for every network asked for."""
    for name in args.pegase:
        net = peers.pegase_sc(name)
        path = os.path.join(tmp, name + ".json")
        with open(path, "w") as f:
            f.write(peers.pandapower_json(net))
        net.bus["name"] = [str(i) for i in net.bus.index]
        yield name, net, path
    for n in args.sizes:
        for kind in args.topologies:
            c = network(n, kind == "meshed", 42)
            path = os.path.join(tmp, "synthetic_%s_%d.json" % (kind, n))
            with open(path, "w") as f:
                json.dump(c, f)
            yield "synthetic %s %d" % (kind, n), to_pandapower(c), path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ampflux", required=True, help="path of the ampflux binary (release build)")
    ap.add_argument("--sizes", type=int, nargs="*", default=[10000, 50000])
    ap.add_argument("--topology", choices=["radial", "meshed", "both"], default="meshed")
    ap.add_argument("--pegase", nargs="*", default=["case2869pegase", "case9241pegase"])
    ap.add_argument("--faults", nargs="+", default=["3ph", "1ph"])
    ap.add_argument("--sample", type=int, default=0,
                    help="time the peers on this many evenly spaced fault locations and scale "
                         "to all buses (networks above --sample-above buses)")
    ap.add_argument("--sample-above", type=int, default=20000)
    ap.add_argument("--no-pgm", action="store_true")
    args = ap.parse_args()
    args.topologies = ["radial", "meshed"] if args.topology == "both" else [args.topology]
    peers.quiet()
    tmp = tempfile.mkdtemp(prefix="ampflux-timing-")
    print("%-24s %-4s %10s %10s %10s %10s  %-34s" % (
        "network", "flt", "pandapower", "pgm", "ampflux", "af+branch", "Ik'' rel. diff vs pandapower"))
    for label, net, path in cases(args, tmp):
        n = len(net.bus)
        for fault in args.faults:
            t_af, res = peers.run_ampflux(args.ampflux, path, fault)
            t_br, _ = peers.run_ampflux(args.ampflux, path, fault, branches=True)
            sample = args.sample if n > args.sample_above else 0
            p, sampled = time_peers(net, fault, sample, args.no_pgm)
            t_pp, pp_ik = p["pp"]
            af = peers.ampflux_ikss(res)
            d_af = peers.compare("ampflux", pp_ik, af, 1e-4)
            mark = "~" if sampled else " "
            line = "%-24s %-4s %9.2f%s" % (label, fault, t_pp, mark)
            diffs = "af %.1e" % d_af["worst"]
            if "pgm" in p:
                d_pgm = peers.compare("pgm", pp_ik, p["pgm"][1], 1e-4)
                d_kt = peers.compare("pgm+KT", pp_ik, p["pgm_kt"][1], 1e-4)
                line += " %9.2f%s" % (p["pgm"][0], mark)
                diffs += ", pgm %.1e, pgm+KT %.1e" % (d_pgm["worst"], d_kt["worst"])
            else:
                line += " %10s" % "-"
            print("%s %10.3f %10.3f  %s" % (line, t_af, t_br, diffs), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("~: measured on %d evenly spaced fault locations, scaled to all buses" % args.sample)
    print("peak RSS of this Python process (pandapower, power-grid-model): %.0f MB" % peak)


if __name__ == "__main__":
    main()
