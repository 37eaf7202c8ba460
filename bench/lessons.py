"""Every demo's lesson, run as the app runs it, against its target and the 3-minute budget.

    python -m bench lessons [--data offline] [--only NAME ...] [--output PATH]

Each lesson runs as `python -m demos.NAME --lesson --data offline` in its own process, one
after another, from an empty Keras home, on this machine's CPU or accelerator (whatever
`demos.device` picks). The table gives the wall time (TensorFlow's import included), the CPU
time the lesson's process used (on a machine shared with other work the wall time grows, the
CPU time hardly), the lesson's metric, the value reached, the goal, whether the lesson passed,
and whether it fit in `BUDGET_S`. The results go to stdout and to bench/results/lessons.json.
A lesson passes the bench when its `done` event says it passed and it took at most `BUDGET_S`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: `python bench/lessons.py`
    sys.path.insert(0, str(REPO_ROOT))

from studyapp.demos.catalogue import DemoInfo, all_demos  # noqa: E402

DEFAULT_OUTPUT = REPO_ROOT / "bench" / "results" / "lessons.json"
#: The issue's budget for a lesson on a 2-core CPU, TensorFlow's import included.
BUDGET_S = 180.0
#: A lesson that runs this long is stopped and reported as failed.
TIMEOUT_S = 900.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="offline", help="offline (default), auto or a PATH")
    parser.add_argument("--only", nargs="+", default=None, help="these demos only")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    return parser.parse_args(argv)


def run_lesson(demo: DemoInfo, data: str, workdir: Path) -> dict[str, Any]:
    """Run one lesson in a subprocess; returns its row of the table."""
    out = workdir / demo.name
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERAS_MAX")}
    env.update(
        KERAS_HOME=str(workdir / "keras-home"),
        MPLCONFIGDIR=str(workdir / "matplotlib"),
        PYTHONPATH=str(REPO_ROOT),
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    command = [sys.executable, "-m", demo.module, "--lesson", "--data", data, "--out", str(out)]
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        completed = subprocess.run(
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
        )
        stdout, code = completed.stdout, completed.returncode
        stderr = completed.stderr
    except subprocess.TimeoutExpired as expired:
        stdout = expired.stdout if isinstance(expired.stdout, str) else ""
        stderr, code = f"timed out after {TIMEOUT_S:.0f} s", None
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    events = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    done = next((e for e in events if e.get("event") == "done"), None)
    error = next((e["message"] for e in events if e.get("event") == "error"), None)
    lesson = (done or {}).get("lesson") or {}
    plan = demo.lesson
    assert plan is not None
    passed = bool(lesson.get("passed"))
    return {
        "demo": demo.name,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "metric": plan.metric,
        "value": lesson.get("value"),
        "goal": plan.goal,
        "target": plan.target,
        "passed": passed,
        "within_budget": seconds <= BUDGET_S,
        "ok": passed and seconds <= BUDGET_S,
        "exit_code": code,
        "error": error or (None if done else stderr.strip().splitlines()[-1:] or None),
        "metrics": (done or {}).get("metrics", {}),
        "epoch_logs": [e.get("logs", {}) for e in events if e.get("event") == "epoch"],
    }


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table (the README shows it)."""
    lines = [
        "| demo | time (s) | CPU (s) | metric | value | goal | passed |",
        "|---|---:|---:|---|---:|---|---|",
    ]
    for row in rows:
        value = "—" if row["value"] is None else f"{row['value']:.3f}"
        verdict = "yes" if row["passed"] else "**no**"
        if not row["within_budget"]:
            verdict += f" (over {BUDGET_S:.0f} s)"
        lines.append(
            f"| {row['demo']} | {row['seconds']:.0f} | {row['cpu_seconds']:.0f} | "
            f"{row['metric']} | {value} | "
            f"{row['goal']} | {verdict} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    # `python -m bench lessons` calls main() with no argv: sys.argv then belongs to bench.
    args = parse_args(argv if argv is not None else [])
    demos = [d for d in all_demos() if d.lesson is not None]
    if args.only:
        demos = [d for d in demos if d.name in args.only]
    rows = []
    with tempfile.TemporaryDirectory(prefix="studyapp-lessons-") as folder:
        for demo in demos:
            row = run_lesson(demo, args.data, Path(folder))
            rows.append(row)
            print(
                f"{row['demo']:<18} {row['seconds']:6.1f} s  {row['metric']} = {row['value']}"
                f"  ({row['goal']}: {'passed' if row['passed'] else 'NOT passed'})"
                + (f"  error: {row['error']}" if row["error"] else ""),
                flush=True,
            )
    print()
    print(table(rows))
    document = {
        "benchmark": "lessons",
        "data": args.data,
        "budget_s": BUDGET_S,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "lessons": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.output}")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
