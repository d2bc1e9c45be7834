#!/usr/bin/env python3
"""Peak memory and wall time of `ampflux sc FILE` end to end (read the file, parse, import,
calculate 3ph max on all buses, print the table) on large synthetic pandapower files.

Usage (from the repository root, after `cargo build --release`; needs `pip install pandapower`):
    python3 tests/sc/reader_memory.py --ampflux target/release/ampflux \
        [--sizes 10000 100000 500000] [--dir /tmp/ampflux-reader] [--runs 3] [--circuit]

The networks are those of src/sc/synthetic.rs (meshed, seed 42; the generator ported in
compare_timing.py), converted to pandapower with its vectorised create functions and written
with `pandapower.to_json` (files are cached in --dir and reused). With --circuit the same
networks are also written as AmpFlux circuit v1 JSON and measured. Peak RSS is the child's
ru_maxrss (os.wait4); the figure reported is the run with the smallest wall time of --runs.
--compare BINARY runs a second binary on the same files and checks that both print the same
results (byte for byte, JSON output).
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_timing import network  # noqa: E402


def to_pandapower_fast(c):
    """As compare_timing.to_pandapower, with the vectorised create functions (500k buses in
    seconds instead of hours)."""
    import pandapower as pp
    net = pp.create_empty_network(f_hz=c["frequency_hz"])
    ids = [b["id"] for b in c["buses"]]
    index = pp.create_buses(net, len(ids), vn_kv=[b["vn_kv"] for b in c["buses"]], name=ids)
    idx = dict(zip(ids, (int(i) for i in index)))
    for e in c["external_grids"]:
        pp.create_ext_grid(net, idx[e["bus"]], s_sc_max_mva=e["s_sc_max_mva"], s_sc_min_mva=e["s_sc_min_mva"],
                           rx_max=e["rx_max"], rx_min=e["rx_min"], x0x_max=e["x0x_max"], r0x0_max=e["r0x0_max"],
                           x0x_min=e["x0x_min"], r0x0_min=e["r0x0_min"])
    ts = c["transformers"]
    pp.create_transformers_from_parameters(
        net, [idx[t["hv_bus"]] for t in ts], [idx[t["lv_bus"]] for t in ts], sn_mva=[t["sn_mva"] for t in ts],
        vn_hv_kv=[t["vn_hv_kv"] for t in ts], vn_lv_kv=[t["vn_lv_kv"] for t in ts],
        vkr_percent=[t["vkr_percent"] for t in ts], vk_percent=[t["vk_percent"] for t in ts], pfe_kw=0.0,
        i0_percent=0.0, vector_group="Dyn", vk0_percent=[t["vk0_percent"] for t in ts],
        vkr0_percent=[t["vkr0_percent"] for t in ts], mag0_percent=[t["mag0_percent"] for t in ts],
        mag0_rx=[t["mag0_rx"] for t in ts], si0_hv_partial=[t["si0_hv_partial"] for t in ts])
    ls = c["lines"]
    col = lambda k: [l[k] for l in ls]  # noqa: E731
    pp.create_lines_from_parameters(
        net, [idx[l["from_bus"]] for l in ls], [idx[l["to_bus"]] for l in ls], length_km=col("length_km"),
        r_ohm_per_km=col("r_ohm_per_km"), x_ohm_per_km=col("x_ohm_per_km"), c_nf_per_km=col("c_nf_per_km"),
        max_i_ka=col("max_i_ka"), r0_ohm_per_km=col("r0_ohm_per_km"), x0_ohm_per_km=col("x0_ohm_per_km"),
        c0_nf_per_km=col("c0_nf_per_km"), endtemp_degree=col("endtemp_degree"))
    return net


def files(n, folder, circuit):
    pp_path = os.path.join(folder, "synthetic_meshed_%d.pandapower.json" % n)
    cj_path = os.path.join(folder, "synthetic_meshed_%d.circuit.json" % n)
    need_pp = not os.path.exists(pp_path)
    need_cj = circuit and not os.path.exists(cj_path)
    if need_pp or need_cj:
        c = network(n, True, 42)
        if need_cj:
            with open(cj_path + ".tmp", "w") as f:
                json.dump(c, f)
            os.replace(cj_path + ".tmp", cj_path)
        if need_pp:
            import pandapower as pp
            pp.to_json(to_pandapower_fast(c), pp_path + ".tmp")
            os.replace(pp_path + ".tmp", pp_path)
    return [("pandapower", pp_path)] + ([("circuit", cj_path)] if circuit else [])


def measure(binary, path, fmt):
    """Wall seconds, peak RSS in bytes and stdout of one `ampflux sc` run."""
    out_path = path + ".out"
    with open(out_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([binary, "sc", path, "--format", fmt], stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    if status != 0:
        sys.exit("%s sc %s failed (status %d)" % (binary, path, status))
    return wall, usage.ru_maxrss * 1024, out_path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ampflux", required=True, help="path of the ampflux binary (release build)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000, 500000])
    ap.add_argument("--dir", default="/tmp/ampflux-reader", help="where the generated files are kept")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--format", default="table", choices=["table", "json", "csv"])
    ap.add_argument("--circuit", action="store_true", help="also measure the AmpFlux circuit file")
    ap.add_argument("--compare", help="a second ampflux binary: check that it prints the same results")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    print("%-10s %8s %9s %8s %10s %10s" % ("input", "buses", "file_MB", "wall_s", "peak_MB", "B/bus"))
    for n in args.sizes:
        for kind, path in files(n, args.dir, args.circuit):
            best = None
            for _ in range(args.runs):
                wall, rss, out = measure(args.ampflux, path, args.format)
                if best is None or wall < best[0]:
                    best = (wall, rss)
            wall, rss = best
            size = os.path.getsize(path)
            print("%-10s %8d %9.1f %8.2f %10.0f %10.0f" % (kind, n, size / 1e6, wall, rss / 1e6, rss / n))
            sys.stdout.flush()
            if args.compare:
                _, _, mine = measure(args.ampflux, path, "json")
                with open(mine, "rb") as f:
                    a = f.read()
                _, _, theirs = measure(args.compare, path, "json")
                with open(theirs, "rb") as f:
                    b = f.read()
                print("           same results as %s: %s" % (args.compare, "yes" if a == b else "NO"))
            os.remove(out)


if __name__ == "__main__":
    main()
