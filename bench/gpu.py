"""The GPU check: `python -m bench gpu [--steps 50] [--data offline] [--budget 600]`.

Meant to be run the day a GPU machine is at hand, with nothing to install beyond the project's
`.[demos]` (and `tensorflow[and-cuda]`). In one go, within `--budget` seconds (ten minutes) on
one modern GPU:

1. every catalogued demo, each in its own process as the app runs it, for `--steps` training
   steps with the defaults (the device, precision and compilation `demos.device` picks);
2. the CNN throughput comparison of bench/demo_throughput.py: the book's
   `model.fit(batch_size=32)` against the demo's loop, 5 alternating rounds;
3. if the time left allows it and CIFAR-10 is in the Keras cache, `--reference` for mlp-cifar10
   and cnn-cifar10: the book's exact setup, whose test accuracy is compared with the book's.

It prints one table (demo, device, precision, jit, images or tokens per second, peak GPU memory,
fallback reason) and writes it to bench/results/gpu.json. A machine without a GPU runs the same
check (say with `--steps 5`) and the table and the JSON say it was a CPU run. The exit status
is 1 if anything failed, 0 otherwise; a reference run left out for lack of time or data is not
a failure, and the table says why it was left out.

The throughput of a demo is what its progress callback measured (`examples_per_second` in its
last `epoch` event: from the end of the first compiled execution, so without tracing and
compilation, to the last step), times the tokens of one example for the sequence models.
This process never imports keras or tensorflow (it would take the GPU's memory); the demos
do, one at a time.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from studyapp.demos.catalogue import all_demos
from studyapp.demos.protocol import decode

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO_ROOT / "bench" / "results" / "gpu.json"
BUDGET_S = 600.0
DEMO_TIMEOUT_S = 300.0
#: What one example of a sequence model is worth in tokens: (module, constant) of its length.
TOKENS_PER_EXAMPLE = {
    "lstm-text": ("demos.lstm_text", "MAX_LEN"),
    "gpt": ("demos.gpt", "MAX_LEN"),
    "music-transformer": ("demos.music_data", "SEQ_LEN"),
}
UNITS = {"realnvp": "points"}
#: Seconds a reference run takes on one modern GPU (10 epochs of 1,563 batches of 32), with
#: room for the import and the data; a run is left out when less time than this is left.
REFERENCE_ESTIMATE_S = {"mlp-cifar10": 120.0, "cnn-cifar10": 200.0}
REFERENCE_DEMOS = (("mlp-cifar10", "demos.mlp_cifar10"), ("cnn-cifar10", "demos.cnn_cifar10"))
THROUGHPUT_IMAGES = {"GPU": 20_000, "TPU": 20_000}


@dataclass
class Row:
    """One line of the table."""

    demo: str
    status: str = "ok"
    """"ok", "failed", "timeout" or "skipped"."""
    device: str = ""
    precision: str = ""
    jit: bool | None = None
    throughput: float | None = None
    unit: str = "images/s"
    peak_memory_mib: float | None = None
    fallback: str = ""
    seconds: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)
    """Everything else worth keeping: steps, metrics, the error, the book's figure."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench gpu", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=50, help="training steps per demo")
    parser.add_argument("--data", default="offline", help="offline (default), auto or a PATH")
    parser.add_argument("--budget", type=float, default=BUDGET_S, help="seconds for it all")
    parser.add_argument("--no-reference", action="store_true", help="leave out --reference")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    return parser.parse_args(argv)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def run_demo(module: str, argv: list[str], timeout: float) -> tuple[str, list[Any], str, float]:
    """Run `python -m module argv...`; (status, events, stderr tail, seconds)."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", module, *argv],
            cwd=REPO_ROOT,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=max(1.0, timeout),
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout.decode() if isinstance(expired.stdout, bytes) else expired.stdout
        events = [decode(line) for line in (out or "").splitlines()]
        return "timeout", events, "", time.monotonic() - started
    events = [decode(line) for line in done.stdout.splitlines()]
    status = "ok" if done.returncode == 0 else "failed"
    return status, events, done.stderr[-2000:], time.monotonic() - started


def demo_row(name: str, status: str, events: list[Any], stderr: str, seconds: float) -> Row:
    """The table's line for one demo run, from its events."""
    by_kind: dict[str, list[Any]] = {}
    for event in events:
        by_kind.setdefault(getattr(event, "event_type", "log"), []).append(event)
    row = Row(name, status=status, seconds=round(seconds, 1))
    if "device" in by_kind:
        device = by_kind["device"][-1]  # a second one follows a fallback
        row.device = device.device or device.accelerator or ""
        row.precision, row.jit = device.precision or "", device.jit
        row.fallback = device.fallback or ""
        row.detail["batch_size"] = device.extra.get("batch_size")
    if "epoch" in by_kind:
        last = by_kind["epoch"][-1].extra
        row.detail["steps"] = last.get("steps_done")
        rate = last.get("examples_per_second")
        if rate is not None:
            row.unit = f"{UNITS.get(name, 'images')}/s"
            if name in TOKENS_PER_EXAMPLE:
                module, constant = TOKENS_PER_EXAMPLE[name]
                rate *= int(getattr(importlib.import_module(module), constant))
                row.unit = "tokens/s"
            row.throughput = round(float(rate), 1)
    if "done" in by_kind:
        done = by_kind["done"][-1]
        peak = done.extra.get("peak_memory_bytes")
        row.peak_memory_mib = None if peak is None else round(peak / 2**20, 1)
        row.detail["metrics"] = done.metrics
        if "reference" in done.extra:
            row.detail["reference"] = done.extra["reference"]
    if status != "ok":
        errors = by_kind.get("error", [])
        row.detail["error"] = errors[-1].message if errors else stderr[-500:]
    return row


def throughput_rows(args: argparse.Namespace, accelerator: str, timeout: float) -> list[Row]:
    """bench/demo_throughput.py in its own process: the book's loop against the demo's."""
    images = THROUGHPUT_IMAGES.get(accelerator, max(512, args.steps * 256))
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "demo_throughput.json"
        argv = ["--rounds", "5", "--images", str(images), "--data", args.data]
        status, _, stderr, seconds = run_demo(
            "bench.demo_throughput", [*argv, "--output", str(output)], timeout
        )
        result = json.loads(output.read_text()) if output.is_file() else None
    if status != "ok" or result is None:
        return [Row("cnn throughput", status="failed", detail={"error": stderr[-500:]})]
    rows = []
    device = result["device"]
    for loop in ("book", "optimised"):
        setup = result["loops"][loop]
        rows.append(
            Row(
                f"cnn {loop} loop (batch {setup['batch_size']})",
                device=", ".join(device["devices"]) or device["accelerator"],
                precision=device["precision"],
                jit=setup["jit_compile"],
                throughput=result["median_images_per_second"][loop],
                fallback=device.get("fallback") or "",
                seconds=round(seconds, 1),
                detail={"images_per_second": result["images_per_second"][loop]},
            )
        )
    rows[-1].detail.update(
        speedup_median=result["speedup"],
        speedup_spread=result.get("speedup_spread"),
        rounds=result["rounds"],
    )
    return rows


def reference_rows(args: argparse.Namespace, accelerator: str, deadline: float) -> list[Row]:
    """`--reference` for the two chapter 2 classifiers, when the time and the data allow."""
    from demos.data import DatasetUnavailable, check_available

    rows = []
    for name, module in REFERENCE_DEMOS:
        label = f"{name} --reference"
        left = deadline - time.monotonic()
        reason = None
        if args.no_reference:
            reason = "--no-reference"
        elif accelerator == "CPU":
            reason = "CPU run: 10 full CIFAR-10 epochs take far longer than the budget"
        elif left < REFERENCE_ESTIMATE_S[name]:
            needed = REFERENCE_ESTIMATE_S[name]
            reason = f"{left:.0f} s left of the budget, about {needed:.0f} s needed"
        else:
            try:
                check_available("cifar10", "auto")
            except DatasetUnavailable as error:
                reason = f"CIFAR-10 is not in the Keras cache ({error})"
        if reason is not None:
            rows.append(Row(label, status="skipped", detail={"reason": reason}))
            continue
        with tempfile.TemporaryDirectory() as folder:
            argv = ["--reference", "--data", "auto", "--out", folder]
            status, events, stderr, seconds = run_demo(module, argv, left)
        rows.append(demo_row(label, status, events, stderr, seconds))
    return rows


def format_table(rows: list[Row], cpu_run: bool) -> str:
    headers = ["demo", "status", "device", "precision", "jit", "throughput", "peak GPU MiB"]
    headers.append("fallback / note")
    lines = []
    for row in rows:
        rate = "" if row.throughput is None else f"{row.throughput:,.0f} {row.unit}"
        note = row.fallback or str(row.detail.get("reason") or row.detail.get("error") or "")
        reference = row.detail.get("reference")
        if reference:
            note = f"{reference['metric']} {reference['value']:.4f} (book {reference['book']})"
        if "speedup_median" in row.detail:
            low, high = row.detail["speedup_spread"] or (None, None)
            note = f"speed-up {row.detail['speedup_median']:.2f}x median, {low}x to {high}x"
        jit = "" if row.jit is None else ("on" if row.jit else "off")
        memory = "" if row.peak_memory_mib is None else f"{row.peak_memory_mib:,.0f}"
        cells = [row.demo, row.status, row.device, row.precision, jit, rate, memory, note]
        lines.append([" ".join(cell.split())[:70] for cell in cells])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    rendered = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [headers, ["-" * w for w in widths], *lines]
    ]
    title = "CPU RUN (no GPU): these are not GPU figures" if cpu_run else "GPU run"
    return "\n".join([title, *rendered])


def main(argv: list[str] | None = None) -> int:
    # `python -m bench gpu` passes its options; no options means the defaults.
    args = parse_args(argv if argv is not None else [])
    started = time.monotonic()
    deadline = started + args.budget
    rows: list[Row] = []
    demos = [d for d in all_demos() if importlib.util.find_spec(d.module) is not None]
    with tempfile.TemporaryDirectory() as folder:
        for demo in demos:
            demo_argv = ["--steps", str(args.steps), "--data", args.data]
            demo_argv += ["--out", str(Path(folder) / demo.name)]
            status, events, stderr, seconds = run_demo(demo.module, demo_argv, DEMO_TIMEOUT_S)
            row = demo_row(demo.name, status, events, stderr, seconds)
            print(f"{row.demo}: {row.status} in {row.seconds:.0f} s", flush=True)
            rows.append(row)
    # "GPU:0, GPU:1" -> "GPU": what the first demo that started trained on.
    accelerator = next((r.device.split(":")[0] for r in rows if r.device), "CPU")
    cpu_run = accelerator == "CPU"
    rows += throughput_rows(args, accelerator, DEMO_TIMEOUT_S)
    rows += reference_rows(args, accelerator, deadline)
    seconds = time.monotonic() - started

    table = format_table(rows, cpu_run)
    print()
    print(table)
    print(f"\n{seconds:.0f} s in all (budget {args.budget:.0f} s)")
    failed = [row.demo for row in rows if row.status in ("failed", "timeout")]
    document = {
        "benchmark": "gpu",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_run": cpu_run,
        "steps": args.steps,
        "data": args.data,
        "seconds": round(seconds, 1),
        "budget_seconds": args.budget,
        "within_budget": seconds <= args.budget,
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
        },
        "failed": failed,
        "rows": [asdict(row) for row in rows],
        "table": table.splitlines(),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":  # python -m bench.gpu
    sys.exit(main(sys.argv[1:]))
