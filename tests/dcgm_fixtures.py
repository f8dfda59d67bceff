"""Small, deterministic DCGM workloads written as dcgm-exporter text snapshots and as OpenMetrics.

One list of samples, two renderings: `.prom` snapshots (one file per host and day, HELP/TYPE once per
family, millisecond timestamps, as `burnrate generate` writes them) and an OpenMetrics file (seconds,
one block per family, each series in time order, `# EOF`) for `promtool tsdb create-blocks-from
openmetrics`. Tests compare what the text path and the Prometheus path make of the same samples.

The fleet covers the label shapes seen in the wild: the old exporter's `Hostname` with empty pod labels on
idle GPUs and a GPU whose pod goes away mid-run (its series changes), the new exporter's `hostname` and
`pci_bus_id` with MIG instances and no pod labels at all when idle, and 1.x names (`uuid`, `pod_name`…).
A few values are DCGM blanks or NaN, which both paths must skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BASE = datetime(2026, 11, 1, 23, 0, tzinfo=UTC)  # the run crosses midnight: two snapshot files per host
BASE_S = int(BASE.timestamp())
INTERVAL_S = 300
METRICS = (
    ("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %)."),
    ("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB)."),
    ("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W)."),
    ("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "Total energy consumption since boot (in mJ)."),
    ("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gauge", "Ratio of time the graphics engine is active."),
)
INT64_BLANK = "9223372036854775794"  # DCGM_INT64_NOT_SUPPORTED
FP64_BLANK = "140737488355328"


@dataclass(frozen=True)
class Sample:
    metric: str
    labels: tuple[tuple[str, str], ...]  # in exporter order
    value: str  # as the exporter prints it
    ts_ms: int

    @property
    def host(self) -> str:
        return next(v for k, v in self.labels if k.lower() == "hostname")

    def series(self) -> str:
        inner = ",".join(f'{k}="{v}"' for k, v in self.labels)
        return f"{self.metric}{{{inner}}}"


def _gpus() -> list[tuple[str, int, dict]]:
    """(host, gpu index, how it behaves) for the little fleet."""
    return [
        ("gpu-node-a", 0, {"style": "old", "pod": ("chat-0", "llm", "vllm"), "busy_until": 12}),
        ("gpu-node-a", 1, {"style": "old", "pod": None}),
        ("gpu-node-b", 0, {"style": "new", "mig": ("1g.10gb", "1"), "pod": ("embed-0", "batch", "worker")}),
        ("gpu-node-b", 0, {"style": "new", "mig": ("1g.10gb", "2"), "pod": None}),
        ("gpu-node-c", 0, {"style": "1.x", "pod": ("train-0", "research", "trainer")}),
    ]


def _labels(host: str, gpu: int, how: dict, busy: bool) -> tuple[tuple[str, str], ...]:
    uuid = f"GPU-{sum(map(ord, host)) * 7919 + gpu:08x}-0da5-6d26-a36a-e7af1ce2586e"
    pod = how["pod"] if busy else None
    if how["style"] == "1.x":
        out = [("gpu", str(gpu)), ("uuid", uuid), ("device", f"nvidia{gpu}"), ("modelName", "Tesla V100")]
        out += [("Hostname", host)]
        if pod:
            out += [("pod_name", pod[0]), ("pod_namespace", pod[1]), ("container_name", pod[2])]
        return tuple(out)
    if how["style"] == "new":
        out = [("gpu", str(gpu)), ("UUID", uuid), ("pci_bus_id", f"00000000:{0x10 + gpu:02X}:00.0")]
        out += [("device", f"nvidia{gpu}"), ("modelName", "NVIDIA A100-SXM4-80GB")]
        out += [("GPU_I_PROFILE", how["mig"][0]), ("GPU_I_ID", how["mig"][1]), ("hostname", host)]
        out += [("DCGM_FI_DRIVER_VERSION", "550.127.05")]
        if pod:
            out += [("container", pod[2]), ("namespace", pod[1]), ("pod", pod[0])]
        return tuple(out)
    out = [("gpu", str(gpu)), ("UUID", uuid), ("device", f"nvidia{gpu}"), ("modelName", "NVIDIA L4")]
    out += [("Hostname", host), ("DCGM_FI_DRIVER_VERSION", "535.183.06")]
    c, n, p = pod or ("", "", "")
    return (*out, ("container", c), ("namespace", n), ("pod", p))


def make_samples(steps: int = 24, *, offset_ms: int = 0, interval_s: int = INTERVAL_S) -> list[Sample]:
    """`steps` scrapes of every GPU, `interval_s` apart from BASE (+ `offset_ms`, for unaligned scrapes)."""
    out = []
    for g_index, (host, gpu, how) in enumerate(_gpus()):
        for step in range(steps):
            busy = how["pod"] is not None and step < how.get("busy_until", steps)
            labels = _labels(host, gpu, how, busy)
            ts_ms = (BASE_S + step * interval_s) * 1000 + offset_ms
            util = (step * 7 + g_index * 13) % 100 if busy else 0
            values = {
                "DCGM_FI_DEV_GPU_UTIL": str(util),
                "DCGM_FI_DEV_FB_USED": str(70_000 + step if busy else 0),
                "DCGM_FI_DEV_POWER_USAGE": f"{60 + util * 3.217:.3f}",
                "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": str(500_000_000_000 + step * 19_000_000 + g_index),
                "DCGM_FI_PROF_GR_ENGINE_ACTIVE": f"{util / 117:.6f}",
            }
            if how["style"] == "1.x":
                values["DCGM_FI_PROF_GR_ENGINE_ACTIVE"] = FP64_BLANK  # no DCP metrics on that exporter
            if host == "gpu-node-a" and gpu == 1 and step == 5:
                values["DCGM_FI_DEV_FB_USED"] = INT64_BLANK
            if host == "gpu-node-b" and step == 3:
                values["DCGM_FI_DEV_POWER_USAGE"] = "NaN"
            out += [Sample(m, labels, values[m], ts_ms) for m, _, _ in METRICS]
    return out


def write_snapshots(samples: list[Sample], root: Path) -> list[Path]:
    """`<root>/<host>/<YYYY-MM-DD>.prom`: scrapes in time order, HELP/TYPE once per family per file."""
    files: dict[Path, list[Sample]] = {}
    for s in samples:
        day = datetime.fromtimestamp(s.ts_ms / 1000, UTC).date().isoformat()
        files.setdefault(root / s.host / f"{day}.prom", []).append(s)
    for path, rows in files.items():
        lines = []
        for metric, kind, help_text in METRICS:
            lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} {kind}"]
            family = sorted((s for s in rows if s.metric == metric), key=lambda s: s.ts_ms)
            lines += [f"{s.series()} {s.value} {s.ts_ms}" for s in family]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
    return sorted(files)


def write_openmetrics(samples: list[Sample], path: Path) -> Path:
    """OpenMetrics text: one block per family, each series contiguous and in time order, `# EOF`."""
    lines = []
    for metric, kind, help_text in METRICS:
        lines += [f"# TYPE {metric} {kind}", f"# HELP {metric} {help_text}"]
        family = [s for s in samples if s.metric == metric]
        by_series: dict[str, list[Sample]] = {}
        for s in family:
            by_series.setdefault(s.series(), []).append(s)
        for series, rows in by_series.items():
            lines += [f"{series} {s.value} {_seconds(s.ts_ms)}" for s in sorted(rows, key=lambda s: s.ts_ms)]
    lines.append("# EOF")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def _seconds(ms: int) -> str:
    return str(ms // 1000) if ms % 1000 == 0 else f"{ms // 1000}.{ms % 1000:03d}"


def expected_rows(samples: list[Sample]) -> int:
    """How many samples carry a value (not a DCGM blank, not NaN)."""
    return sum(1 for s in samples if s.value not in (INT64_BLANK, FP64_BLANK, "NaN"))
