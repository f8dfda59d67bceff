"""NVIDIA dcgm-exporter metrics for the self-hosted GPU fleet.

One sample every `INTERVAL_S` (5 minutes; real exporters collect every 30 s, which would only multiply the
file size for a demo). GPU utilisation follows the logged request load of the features each pod serves,
hour by hour (busy hours -> busy GPUs); the batch embedding node only works 01:00-05:00 UTC and idles with
empty pod labels otherwise; one L40S node runs a newer exporter (lower-case `hostname`, `pci_bus_id`, and
idle GPUs without pod labels at all).

Outputs:
- `dcgm/snapshots/<hostname>/<YYYY-MM-DD>.prom`: Prometheus text as scraped, many scrapes per file, HELP/TYPE
  once per metric family, every sample with an explicit millisecond timestamp.
- `dcgm/openmetrics/dcgm.om`: the same samples in OpenMetrics text (seconds timestamps, one family block
  each, series in time order, `# EOF`), loadable by `promtool tsdb create-blocks-from openmetrics`.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from burnrate.generate.catalog import FEATURE_INDEX, GPU_NODES, GpuNode
from burnrate.generate.traffic import epoch_ms

INTERVAL_S = 300
DRIVER = "550.127.05"
METRICS = (  # name, type, help (from dcgm-exporter's default-counters.csv)
    ("DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (in C)."),
    ("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W)."),
    ("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "Total energy consumption since boot (in mJ)."),
    ("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %)."),
    ("DCGM_FI_DEV_FB_FREE", "gauge", "Framebuffer memory free (in MiB)."),
    ("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB)."),
    ("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gauge", "Ratio of time the graphics engine is active."),
)
BATCH_HOURS = range(1, 5)


def _uuid(host: str, gpu: int) -> str:
    h = hashlib.sha256(f"{host}/{gpu}".encode()).hexdigest()
    return f"GPU-{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _pod_of(node: GpuNode, gpu: int):
    return next((p for p in node.pods if gpu in p[2]), None)


def gpu_series(node: GpuNode, hourly_load: np.ndarray, start: date, days: int, seed: int) -> dict:
    """Per-GPU arrays over all samples: util, power, temp, fb used, engine active, energy, pod on/off."""
    steps = days * 86_400 // INTERVAL_S
    hour = (np.arange(steps) * INTERVAL_S) // 3600
    rng = np.random.default_rng([seed, 5_003, GPU_NODES.index(node)])
    out = {}
    for g in range(node.gpus):
        pod = _pod_of(node, g)
        if pod is None:
            active = np.zeros(steps, dtype=bool)
            util = np.zeros(steps)
        elif pod[3]:  # serving: follows its features' request load
            load = hourly_load[:, [FEATURE_INDEX[f] for f in pod[3]]].sum(axis=1)
            level = load / max(load.max(), 1e-9)
            active = np.ones(steps, dtype=bool)
            util = 6 + 88 * level[hour] ** 0.8 + rng.normal(0, 3, steps)
        else:  # nightly batch job
            active = np.isin(hour % 24, BATCH_HOURS)
            util = np.where(active, rng.uniform(70, 97, steps), 0.0)
        util = np.clip(np.rint(util), 0, 100)
        used = np.where(active, np.rint(node.fb_total_mib * 0.9 + rng.normal(0, 40, steps)), 0)
        reserved = int(node.fb_total_mib * 0.012)
        power = node.idle_w + (node.tdp_w - node.idle_w) * util / 100 * rng.uniform(0.9, 1.03, steps)
        energy = 5e11 + np.cumsum(power * INTERVAL_S * 1000.0)
        out[g] = {
            "active": active,
            "DCGM_FI_DEV_GPU_UTIL": util.astype(np.int64),
            "DCGM_FI_PROF_GR_ENGINE_ACTIVE": np.round(util / 100 * rng.uniform(0.82, 0.95, steps), 6),
            "DCGM_FI_DEV_FB_USED": used.astype(np.int64),
            "DCGM_FI_DEV_FB_FREE": (node.fb_total_mib - reserved - used).astype(np.int64),
            "DCGM_FI_DEV_POWER_USAGE": np.round(power, 3),
            "DCGM_FI_DEV_GPU_TEMP": np.rint(31 + 44 * util / 100 + rng.normal(0, 1, steps)).astype(np.int64),
            "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": np.rint(energy).astype(np.int64),
        }
    return out


def _labels(node: GpuNode, gpu: int, active: bool) -> str:
    parts = [f'gpu="{gpu}"', f'UUID="{_uuid(node.hostname, gpu)}"']
    if node.new_exporter:
        parts.append(f'pci_bus_id="00000000:{0x10 + gpu:02X}:00.0"')
    parts += [
        f'device="nvidia{gpu}"',
        f'modelName="{node.gpu_model}"',
        f'{"hostname" if node.new_exporter else "Hostname"}="{node.hostname}"',
        f'DCGM_FI_DRIVER_VERSION="{DRIVER}"',
    ]
    pod = _pod_of(node, gpu)
    if pod is not None and active:
        parts += [f'container="{pod[1]}"', f'namespace="{node.namespace}"', f'pod="{pod[0]}"']
    elif not node.new_exporter:
        parts += ['container=""', 'namespace=""', 'pod=""']
    return "{" + ",".join(parts) + "}"


def _fmt(values: np.ndarray) -> list[str]:
    if values.dtype.kind == "i":
        return [str(v) for v in values.tolist()]
    return [repr(v) for v in values.tolist()]


def write(root: Path, hourly_load: np.ndarray, start: date, days: int, seed: int, progress=None) -> dict:
    """Write the .prom snapshots and the OpenMetrics file; return counts for the manifest."""
    start_ms = epoch_ms(start)
    per_day = 86_400 // INTERVAL_S
    ts_ms = start_ms + np.arange(days * per_day, dtype=np.int64) * INTERVAL_S * 1000
    om_path = root / "dcgm" / "openmetrics" / "dcgm.om"
    om_path.parent.mkdir(parents=True, exist_ok=True)
    samples = 0
    files = 0
    series = {node.hostname: gpu_series(node, hourly_load, start, days, seed) for node in GPU_NODES}
    for ni, node in enumerate(GPU_NODES):
        data = series[node.hostname]
        labels = {(g, a): _labels(node, g, a) for g in range(node.gpus) for a in (False, True)}
        for d in range(days):
            sl = slice(d * per_day, (d + 1) * per_day)
            ts_text = [str(t) for t in ts_ms[sl].tolist()]
            out: list[str] = []
            for name, mtype, help_text in METRICS:
                out += [f"# HELP {name} {help_text}", f"# TYPE {name} {mtype}"]
                cols = [
                    (
                        labels[(g, False)],
                        labels[(g, True)],
                        data[g]["active"][sl].tolist(),
                        _fmt(data[g][name][sl]),
                    )
                    for g in range(node.gpus)
                ]
                for i, t in enumerate(ts_text):
                    for idle_l, busy_l, act, vals in cols:
                        out.append(f"{name}{busy_l if act[i] else idle_l} {vals[i]} {t}")
            day_name = (start + timedelta(days=d)).isoformat()
            path = root / "dcgm" / "snapshots" / node.hostname / f"{day_name}.prom"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(out) + "\n")
            files += 1
            samples += sum(1 for line in out if not line.startswith("#"))
        if progress:
            progress("dcgm", ni + 1, len(GPU_NODES) + 1)
    _write_openmetrics(om_path, series, ts_ms)
    if progress:
        progress("dcgm", len(GPU_NODES) + 1, len(GPU_NODES) + 1)
    return {
        "snapshot_files": files,
        "samples": samples,
        "interval_seconds": INTERVAL_S,
        "nodes": [n.hostname for n in GPU_NODES],
        "openmetrics_file": str(om_path.relative_to(root)),
    }


def _write_openmetrics(path: Path, series: dict, ts_ms: np.ndarray) -> None:
    """OpenMetrics: each family once, each series contiguous and in time order, timestamps in seconds."""
    ts_text = [f"{t // 1000}" for t in ts_ms.tolist()]
    with open(path, "w") as fh:
        for name, mtype, help_text in METRICS:
            fh.write(f"# TYPE {name} {mtype}\n# HELP {name} {help_text}\n")
            for node in GPU_NODES:
                data = series[node.hostname]
                for g in range(node.gpus):
                    act = data[g]["active"]
                    vals = _fmt(data[g][name])
                    for state in (False, True):
                        idx = np.flatnonzero(act == state)
                        if len(idx) == 0:
                            continue
                        lab = _labels(node, g, state)
                        fh.write("".join(f"{name}{lab} {vals[i]} {ts_text[i]}\n" for i in idx.tolist()))
        fh.write("# EOF\n")
