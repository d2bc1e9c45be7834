"""The peers AmpFlux is compared with: pandapower (calc_sc) and power-grid-model (IEC 60909
short circuit), on the PEGASE cases shipped with pandapower and on AmpFlux circuits.

Shared by tests/sc/live_crosscheck.py (CI) and tests/sc/compare_timing.py (timings). Nothing here
is imported by `cargo test`.

PEGASE cases (case2869pegase, case9241pegase) are power-flow data: they carry no short-circuit
data. `pegase_sc` adds what IEC 60909 needs, documented in docs/validation.md:
- the external grid (the slack) becomes the network feeder: S''kQ max 20 000 MVA, min 15 000 MVA,
  R/X 0.1, X0/X 1.0, R0/X0 0.1 (R0/X0 = R/X, so power-grid-model's real z01_ratio is exact);
- generators and static generators are removed (no subtransient data in PEGASE), so the
  feeder is the only source for all three programs (power-grid-model ignores generators in
  short-circuit calculations anyway);
- for earth faults: lines R0 = 3 R, X0 = 3 X, C0 = 0; transformers YNyn with vk0 = vk,
  vkr0 = vkr and a magnetizing impedance so large (mag0_percent 1e12: it is relative to the
  short-circuit impedance, and 1e6 still left 0.3 % of earth current in 531 magnetizing
  branches) that it plays no part;
- end temperature 80 °C for the min case (eq. 31).
Negative line R/X and transformer vkr (network equivalents) are kept as they are.
"""
import json
import logging
import math
import re
import subprocess
import time
import warnings

S_SC_MAX_MVA = 20000.0
S_SC_MIN_MVA = 15000.0


def quiet():
    """pandapower and numpy warnings would flood the log."""
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)


def pegase_sc(name):
    """A PEGASE case from pandapower.networks with the short-circuit data above."""
    import pandapower.networks as pn
    net = getattr(pn, name)()
    net.gen.drop(net.gen.index, inplace=True)
    net.sgen.drop(net.sgen.index, inplace=True)
    e = net.ext_grid
    e["s_sc_max_mva"] = S_SC_MAX_MVA
    e["s_sc_min_mva"] = S_SC_MIN_MVA
    for case in ("max", "min"):
        e["rx_" + case] = 0.1
        e["x0x_" + case] = 1.0
        e["r0x0_" + case] = 0.1
    line = net.line
    line["r0_ohm_per_km"] = 3.0 * line.r_ohm_per_km
    line["x0_ohm_per_km"] = 3.0 * line.x_ohm_per_km
    line["c0_nf_per_km"] = 0.0
    line["endtemp_degree"] = 80.0
    t = net.trafo
    t["vector_group"] = "YNyn"
    t["vk0_percent"] = t.vk_percent
    t["vkr0_percent"] = t.vkr_percent
    t["mag0_percent"] = 1e12
    t["mag0_rx"] = 0.0
    t["si0_hv_partial"] = 0.5
    return net


def pandapower_json(net):
    """pandapower's to_json text with its bare NaN tokens written as null (valid JSON)."""
    import pandapower as pp
    return re.sub(r"\bNaN\b", "null", pp.to_json(net))


def run_pandapower(net, fault, case="max", ip=False, ith=False):
    """calc_sc on every bus; returns (seconds, {bus index as str: ikss_ka}).

    inverse_y=False: factorization and one solve per bus instead of a dense Z (same results,
    much less memory on 10k buses)."""
    from pandapower.shortcircuit import calc_sc
    t0 = time.perf_counter()
    calc_sc(net, fault=fault, case=case, ip=ip, ith=ith, tk_s=1.0, kappa_method="C",
            inverse_y=False)
    dt = time.perf_counter() - t0
    return dt, {str(i): float(v) for i, v in net.res_bus_sc.ikss_ka.items()}


def run_ampflux(binary, path, fault="3ph", case="max", branches=False):
    """`ampflux sc PATH --format json`; returns (seconds, parsed result). Raises on failure."""
    cmd = [binary, "sc", path, "--fault", fault, "--case", case, "--format", "json"]
    if branches:
        cmd.append("--branches")
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True)
    dt = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), out.returncode,
                                                   out.stderr.decode(errors="replace")[:2000]))
    return dt, json.loads(out.stdout)


def compare(name, reference, got, rtol, floor=1e-3):
    """Worst relative difference of `got` against `reference` (dicts bus -> kA), with the bus.

    Buses where the reference is below `floor` kA must be absent or 0 in `got` (no path: see
    docs/validation.md, difference 4). Missing buses count as failures."""
    worst, where, bad = 0.0, None, []
    for bus, ref in reference.items():
        v = got.get(bus)
        if ref is None or (isinstance(ref, float) and math.isnan(ref)):
            continue
        if ref < floor:
            if v not in (None, 0.0) and v > floor:
                bad.append((bus, ref, v))
            continue
        if v is None:
            bad.append((bus, ref, v))
            continue
        d = abs(v - ref) / ref
        if d > worst:
            worst, where = d, bus
        if d > rtol:
            bad.append((bus, ref, v))
    return {"name": name, "worst": worst, "at": where, "failures": bad, "count": len(reference)}


def ampflux_ikss(result):
    return {b["id"]: b.get("ikss_ka") for b in result["buses"]}


# power-grid-model ---------------------------------------------------------------------------

def _winding(vg):
    """(winding_from, winding_to, clock) of a two-winding vector group like Dyn5 or YNyn0."""
    from power_grid_model.enum import WindingType
    m = re.fullmatch(r"(YN|Y|D|ZN|Z)(yn|y|d|zn|z)(\d*)", vg or "")
    if not m:
        raise ValueError("vector group %r not supported by this conversion" % vg)
    kinds = {"yn": WindingType.wye_n, "y": WindingType.wye, "d": WindingType.delta,
             "zn": WindingType.zigzag_n, "z": WindingType.zigzag}
    wf, wt = kinds[m.group(1).lower()], kinds[m.group(2)]
    if m.group(3):
        clock = int(m.group(3))
    else:
        star = (WindingType.wye_n, WindingType.wye)
        clock = 0 if (wf in star) == (wt in star) else 5
    return wf, wt, clock


def _cmax(vn_kv):
    return 1.05 if vn_kv < 1.0 else 1.10  # LV tolerance 6 % below 1 kV is not used here


def pgm_input(net, with_kt=False):
    """power-grid-model input from a pandapower network (buses, ext_grid, line, trafo).

    Not power-grid-model-io's converter, on purpose: it maps what IEC 60909 uses and nothing
    else, so that the differences left are those of the methods (docs/PERFORMANCE.md):
    - line capacitance C1 = 0 and no shunts (IEC 60909-0 6.4 and pandapower neglect them in
      the positive sequence; power-grid-model would include them); C0 kept;
    - transformers without magnetizing branch (i0 = p0 = 0), rated ratio (no tap position),
      pk = vkr·Sr (negative for equivalents: power-grid-model's validator would refuse it,
      its solver computes it); zero sequence = positive sequence (power-grid-model has no vk0);
    - network feeder: sk = S''kQ / cmax and u_ref = 1, so that ZQ = c·Un²/S''kQ (eq. 1)
      as in pandapower and AmpFlux (power-grid-model takes ZQ = Un²/sk and applies c to the
      source voltage instead); z01_ratio = |Z0|/|Z1|;
    - with_kt: transformer impedances multiplied by KT (eq. 12a), which power-grid-model
      does not apply, to show that KT is the main difference.
    """
    import numpy as np
    from power_grid_model import initialize_array, ComponentType, DatasetType

    bus_ids = {int(b): i for i, b in enumerate(net.bus.index)}
    n = len(bus_ids)
    next_id = [n]

    def ids(k):
        out = np.arange(next_id[0], next_id[0] + k)
        next_id[0] += k
        return out

    vn = net.bus.vn_kv.values.astype(float)
    node = initialize_array(DatasetType.input, ComponentType.node, n)
    node["id"] = np.arange(n)
    node["u_rated"] = vn * 1e3
    data = {ComponentType.node: node}

    lines = net.line[net.line.in_service]
    line = initialize_array(DatasetType.input, ComponentType.line, len(lines))
    line["id"] = ids(len(lines))
    line["from_node"] = [bus_ids[int(b)] for b in lines.from_bus]
    line["to_node"] = [bus_ids[int(b)] for b in lines.to_bus]
    line["from_status"] = 1
    line["to_status"] = 1
    k = lines.length_km.values / lines.parallel.values
    line["r1"] = lines.r_ohm_per_km.values * k
    line["x1"] = lines.x_ohm_per_km.values * k
    line["c1"] = 0.0
    line["tan1"] = 0.0
    if "r0_ohm_per_km" in lines:
        line["r0"] = lines.r0_ohm_per_km.values * k
        line["x0"] = lines.x0_ohm_per_km.values * k
        c0 = lines.c0_nf_per_km.fillna(0.0).values if "c0_nf_per_km" in lines else 0.0
        line["c0"] = c0 * 1e-9 * lines.length_km.values * lines.parallel.values
        line["tan0"] = 0.0
    data[ComponentType.line] = line

    trafos = net.trafo[net.trafo.in_service]
    tr = initialize_array(DatasetType.input, ComponentType.transformer, len(trafos))
    tr["id"] = ids(len(trafos))
    tr["from_node"] = [bus_ids[int(b)] for b in trafos.hv_bus]
    tr["to_node"] = [bus_ids[int(b)] for b in trafos.lv_bus]
    tr["from_status"] = 1
    tr["to_status"] = 1
    tr["u1"] = trafos.vn_hv_kv.values * 1e3
    tr["u2"] = trafos.vn_lv_kv.values * 1e3
    sn = trafos.sn_mva.values * trafos.parallel.values * 1e6
    vk = trafos.vk_percent.values / 100.0
    vkr = trafos.vkr_percent.values / 100.0
    if with_kt:
        cmax = np.array([_cmax(vn[bus_ids[int(b)]]) for b in trafos.lv_bus])
        kt = 0.95 * cmax / (1.0 + 0.6 * np.sqrt(np.maximum(vk * vk - vkr * vkr, 0.0)))
        vk, vkr = vk * kt, vkr * kt
    tr["sn"] = sn
    tr["uk"] = vk
    tr["pk"] = vkr * sn
    tr["i0"] = 0.0
    tr["p0"] = 0.0
    groups = trafos.vector_group if "vector_group" in trafos else ["Dyn"] * len(trafos)
    wf, wt, clock = zip(*[_winding(g) for g in groups]) if len(trafos) else ((), (), ())
    tr["winding_from"] = wf
    tr["winding_to"] = wt
    tr["clock"] = clock
    tr["tap_side"] = 0
    tr["tap_pos"] = 0
    tr["tap_min"] = 0
    tr["tap_max"] = 0
    tr["tap_nom"] = 0
    tr["tap_size"] = 0.0
    data[ComponentType.transformer] = tr

    grids = net.ext_grid[net.ext_grid.in_service]
    src = initialize_array(DatasetType.input, ComponentType.source, len(grids))
    src["id"] = ids(len(grids))
    nodes = [bus_ids[int(b)] for b in grids.bus]
    src["node"] = nodes
    src["status"] = 1
    src["u_ref"] = 1.0
    src["sk"] = grids.s_sc_max_mva.values * 1e6 / np.array([_cmax(vn[i]) for i in nodes])
    rx = grids.rx_max.values
    src["rx_ratio"] = rx
    if "x0x_max" in grids:
        x0x, r0x0 = grids.x0x_max.values, grids.r0x0_max.values
        src["z01_ratio"] = x0x * np.sqrt(1 + r0x0 ** 2) / np.sqrt(1 + rx ** 2)
    data[ComponentType.source] = src

    fault = initialize_array(DatasetType.input, ComponentType.fault, 1)
    fault["id"] = ids(1)
    fault["status"] = 1
    fault["fault_object"] = 0
    data[ComponentType.fault] = fault
    return data, [str(b) for b in net.bus.index]


def run_pgm(data, bus_names, fault, threading=0, buses=None):
    """One fault per scenario, a batch over the fault locations (all buses unless `buses`, a
    list of node indices); returns (seconds for model construction and calculation,
    {bus: ikss_ka}). threading=0: all hardware threads."""
    import numpy as np
    from power_grid_model import (PowerGridModel, initialize_array, ComponentType,
                                  DatasetType, FaultType, FaultPhase)
    nodes = np.arange(len(bus_names)) if buses is None else np.asarray(buses)
    fid = data[ComponentType.fault]["id"][0]
    ftype, fphase = {"3ph": (FaultType.three_phase, FaultPhase.abc),
                     "1ph": (FaultType.single_phase_to_ground, FaultPhase.a)}[fault]
    data[ComponentType.fault]["fault_type"] = ftype
    data[ComponentType.fault]["fault_phase"] = fphase
    upd = initialize_array(DatasetType.update, ComponentType.fault, (len(nodes), 1))
    upd["id"] = fid
    upd["status"] = 1
    upd["fault_type"] = ftype
    upd["fault_phase"] = fphase
    upd["fault_object"] = nodes.reshape(-1, 1)
    t0 = time.perf_counter()
    model = PowerGridModel(data)
    out = model.calculate_short_circuit(
        update_data={ComponentType.fault: upd}, threading=threading,
        short_circuit_voltage_scaling="maximum", output_component_types=[ComponentType.fault])
    dt = time.perf_counter() - t0
    i_f = out[ComponentType.fault]["i_f"]  # A, per phase
    if i_f.ndim == 3:
        i_f = i_f[:, 0, 0] if fault == "1ph" else i_f[:, 0, :].max(axis=1)
    else:
        i_f = i_f[:, 0]
    return dt, {bus_names[int(n)]: float(v) / 1e3 for n, v in zip(nodes, i_f)}
