"""Runs in the database: the `DemoRun` row written when a run starts, completed when it ends,
and the history of past runs.

The outcome of a run (succeeded, failed and why, cancelled) is decided here from the child's
exit code and what its events said, so the row and the `RunResult` handed to the caller agree.
"""

from __future__ import annotations

import datetime as dt
import math
import signal
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import DemoRun
from studyapp.demos.runner.child import signal_name
from studyapp.demos.runner.request import DemoRequest, run_dir_for
from studyapp.demos.runner.stream import RunLog
from studyapp.domain.clock import utc_now as utc_now  # re-exported by the package

RUNNING, SUCCEEDED, FAILED, CANCELLED = "running", "succeeded", "failed", "cancelled"


@dataclass(frozen=True, slots=True)
class RunResult:
    """What was recorded when the child ended (the same values as the `DemoRun` row)."""

    run_id: int
    demo_name: str
    status: str
    exit_code: int | None
    started_at: dt.datetime
    ended_at: dt.datetime
    backend: str | None
    device: str | None
    precision: str | None
    metrics: dict[str, Any]
    artifacts: dict[str, list[str]]
    artifact_dir: str
    stderr_tail: str
    error: str | None
    """Why a failed run failed, in one line; None when it succeeded or was cancelled."""
    command: tuple[str, ...]

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED

    @property
    def duration_s(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()


def record_start(
    sessions: sessionmaker[Session], request: DemoRequest, started_at: dt.datetime, root: Path
) -> tuple[int, Path]:
    """Write the run's row (status "running"); returns its id and its run folder."""
    with sessions.begin() as session:
        row = DemoRun(
            demo_name=request.name,
            card_id=request.card_id,
            parameters=request.parameters(),
            started_at=started_at,
            status=RUNNING,
            metrics={},
            artifacts={},
            stderr_tail="",
        )
        session.add(row)
        session.flush()
        run_dir = run_dir_for(root, row.id, request.name)
        row.artifact_dir = str(run_dir)
        return row.id, run_dir


def outcome(exit_code: int | None, cancelled: bool, log: RunLog) -> tuple[str, str | None]:
    """(status, why it failed) of a run that ended with `exit_code`."""
    if cancelled:
        return CANCELLED, None
    if exit_code == 0 and log.error is None:
        return SUCCEEDED, None
    if log.error is not None:
        return FAILED, log.error.message
    if exit_code is not None and exit_code < 0:
        hint = " (out of memory?)" if -exit_code == signal.SIGKILL else ""
        return FAILED, f"the demo was killed by {signal_name(-exit_code)}{hint}"
    return FAILED, f"the demo exited with code {exit_code}"


def result_of(
    *,
    run_id: int,
    request: DemoRequest,
    command: tuple[str, ...],
    run_dir: Path,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    exit_code: int | None,
    cancelled: bool,
    log: RunLog,
) -> RunResult:
    """The result of a run that has ended, from its exit code and what its events said."""
    status, error = outcome(exit_code, cancelled, log)
    tail = list(log.stderr_tail)
    if error is not None and not any(error in line for line in tail):
        # The row has no error column: the reason goes at the end of the tail.
        tail.append(f"[studyapp] {error}")
    device = log.device
    return RunResult(
        run_id=run_id,
        demo_name=request.name,
        status=status,
        exit_code=exit_code,
        started_at=started_at,
        ended_at=max(ended_at, started_at),
        backend=device.backend if device else None,
        device=device.device[:256] if device else None,
        precision=device.precision if device else None,
        metrics=dict(log.done.metrics) if log.done is not None else {},
        artifacts={kind: list(paths) for kind, paths in log.artifacts.items()},
        artifact_dir=str(run_dir),
        stderr_tail="\n".join(tail),
        error=error,
        command=command,
    )


def record_end(sessions: sessionmaker[Session], result: RunResult) -> RunResult:
    """Complete the run's row; a database failure is noted in the result, never raised."""
    try:
        with sessions.begin() as session:
            row = session.get(DemoRun, result.run_id)
            if row is not None:
                row.status = result.status
                row.exit_code = result.exit_code
                row.ended_at = result.ended_at
                row.backend = (result.backend or "")[:32] or None
                row.device = result.device
                row.precision = (result.precision or "")[:32] or None
                row.metrics = _jsonable(result.metrics)
                row.artifacts = result.artifacts
                row.artifact_dir = result.artifact_dir
                row.stderr_tail = result.stderr_tail
    except Exception as db_error:  # the result still reaches the caller
        note = f"[studyapp] could not record the run: {db_error}"
        return replace(result, stderr_tail=result.stderr_tail + "\n" + note)
    return result


def _jsonable(value: Any) -> Any:
    """Demo metrics as JSON the database accepts (NaN and infinities become strings)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# --------------------------------------------------------------------------------------------
# History


def run_as_dict(row: DemoRun) -> dict[str, Any]:
    duration = (row.ended_at - row.started_at).total_seconds() if row.ended_at else None
    return {
        "id": row.id,
        "demo": row.demo_name,
        "card_id": row.card_id,
        "status": row.status,
        "exit_code": row.exit_code,
        "started_at": row.started_at.isoformat(),
        "ended_at": row.ended_at.isoformat() if row.ended_at else None,
        "duration_s": round(duration, 3) if duration is not None else None,
        "backend": row.backend,
        "device": row.device,
        "precision": row.precision,
        "parameters": row.parameters,
        "metrics": row.metrics,
        "artifacts": row.artifacts,
        "artifact_dir": row.artifact_dir,
        "stderr_tail": row.stderr_tail,
    }


def list_runs(
    sessions: sessionmaker[Session], limit: int = 20, demo_name: str | None = None
) -> list[dict[str, Any]]:
    """The latest runs, newest first, as JSON-ready dicts."""
    query = select(DemoRun).order_by(DemoRun.started_at.desc(), DemoRun.id.desc()).limit(limit)
    if demo_name is not None:
        query = query.where(DemoRun.demo_name == demo_name)
    with sessions() as session:
        return [run_as_dict(row) for row in session.scalars(query)]
