"""Writing a benchmark's figures: printed as a table and saved as JSON in bench/results/."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")


def report(name: str, figures: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> int:
    """Print each figure against its target; returns 1 if any target is missed."""
    missed = 0
    width = max(len(f["name"]) for f in figures)
    print(f"\n{name}")
    for figure in figures:
        target = figure.get("target")
        ok = figure.get("ok")
        verdict = "" if ok is None else ("  ok" if ok else "  MISSED")
        missed |= ok is False
        unit = figure.get("unit", "")
        shown = f"{figure['value']:.4g} {unit}".strip()
        line = f"  {figure['name']:<{width}}  {shown}"
        if target:
            line += f"   target {target}{verdict}"
        print(line)
    RESULTS.mkdir(exist_ok=True)
    document = {
        "benchmark": name,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "figures": figures,
        **(extra or {}),
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"  written to {path}")
    return int(missed)
