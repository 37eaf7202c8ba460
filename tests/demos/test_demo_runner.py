"""The demo runner and `studyapp demo`: events parsed, runs recorded, crashes and kills
survived, cancels clean, and the core free of Textual and Keras.

The runs use the pure-Python fake demos in tests/fake_demos (they start in well under a
second). Waits are on events, handles and pidfds, never on sleeps.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import select
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select as sql_select

from db.models import DemoRun
from studyapp.demos.protocol import encode
from studyapp.demos.runner import (
    RUNS_DIR_ENV,
    ArtifactEvent,
    DatasetEvent,
    DemoEvent,
    DemoRequest,
    DeviceEvent,
    DoneEvent,
    EpochEvent,
    ErrorEvent,
    LogLine,
    ProgressEvent,
    build_command,
    list_runs,
    parse_event,
    run_demo,
    runs_root,
    start_run,
)
from studyapp.store.opening import Store

WAIT_S = 60
FAKES = "tests.fake_demos"


def fake_request(fake: str, **options: Any) -> DemoRequest:
    return DemoRequest(f"fake_{fake}", **options)


def row(store: Store, run_id: int) -> DemoRun:
    with store.sessions() as session:
        found = session.get(DemoRun, run_id)
        assert found is not None
        return found


def wait_for_exit(pid_fd: int) -> bool:
    readable, _, _ = select.select([pid_fd], [], [], WAIT_S)
    return bool(readable)


def is_gone(pid: int) -> bool:
    """Dead or a zombie waiting for its (new) parent: either way it runs no more."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


# --------------------------------------------------------------------------------------------
# Parsing


def test_each_event_type_is_parsed_into_its_own_type(tmp_path: Path) -> None:
    lines = [
        json.dumps(e)
        for e in (
            {"event": "device", "backend": "jax", "devices": ["GPU:0", "GPU:1"],
             "precision": "mixed_float16"},
            {"event": "dataset", "name": "cifar10", "source": "offline",
             "shapes": {"x_train": [5000, 32, 32, 3]}},
            {"event": "progress", "epoch": 2, "epochs": 3, "step": 10, "steps": 40, "loss": 1.5,
             "metrics": {"accuracy": 0.25}},
            {"event": "epoch", "epoch": 2, "logs": {"loss": 1.4, "val_accuracy": 0.3, "note": "x"}},
            {"event": "artifact", "kind": "samples", "path": "samples/epoch2.png"},
            {"event": "done", "metrics": {"test_accuracy": 0.41}},
            {"event": "error", "message": "MemoryError: out of memory"},
        )
    ]  # fmt: skip
    events = [parse_event(line + "\n", run_dir=tmp_path) for line in lines]
    assert events == [
        DeviceEvent("jax", ("GPU:0", "GPU:1"), "mixed_float16"),
        DatasetEvent("cifar10", "offline", {"x_train": [5000, 32, 32, 3]}),
        ProgressEvent(2, 3, 10, 40, 1.5, {"accuracy": 0.25}),
        EpochEvent(2, {"loss": 1.4, "val_accuracy": 0.3}),
        ArtifactEvent("samples", str(tmp_path / "samples/epoch2.png")),
        DoneEvent({"test_accuracy": 0.41}),
        ErrorEvent("MemoryError: out of memory"),
    ]
    assert events[0].line == lines[0], "the original line is kept for --json"
    assert isinstance(events[0], DeviceEvent) and events[0].device == "GPU:0, GPU:1"


@pytest.mark.parametrize(
    "line",
    [
        "Epoch 1/3 - a Keras progress bar on the wrong stream",
        "",
        '{"event": "progress", "loss": 1.0',
        "[1, 2, 3]",
        '"just a string"',
        '{"no_event": true}',
        '{"event": "telemetry", "value": 1}',
        '{"event": "artifact", "kind": "samples"}',
        "\udcff not utf-8",
    ],
)
def test_anything_else_on_stdout_is_a_log_line_never_an_exception(line: str) -> None:
    assert parse_event(line) == LogLine(line)


def test_odd_values_in_a_known_event_are_dropped_not_fatal() -> None:
    event = parse_event(
        '{"event": "progress", "epoch": "one", "step": 2.0, "steps": null, "loss": "nan?",'
        ' "accuracy": 0.5, "flag": true, "metrics": ["not", "a", "dict"]}'
    )
    assert event == ProgressEvent(
        None, None, 2, None, None, {"accuracy": 0.5}, extra={"flag": True}
    )
    assert parse_event('{"event": "device", "devices": "CPU:0"}') == DeviceEvent(
        None, ("CPU:0",), None
    )


# --------------------------------------------------------------------------------------------
# The command and where runs go


def test_the_command_is_python_dash_m_with_the_options_and_out(tmp_path: Path) -> None:
    request = DemoRequest(
        "vae_mnist",
        epochs=3,
        batch_size=64,
        quick=True,
        data="offline",
        backend="jax",
        precision="float32",
        seed=7,
        card_id=12,
    )
    assert build_command("demos.vae_mnist", request, tmp_path / "5-vae_mnist") == [
        sys.executable, "-m", "demos.vae_mnist",
        "--epochs", "3", "--batch-size", "64", "--quick", "--data", "offline",
        "--backend", "jax", "--precision", "float32", "--seed", "7",
        "--out", str(tmp_path / "5-vae_mnist"),
    ]  # fmt: skip
    assert build_command("demos.x", DemoRequest("x"), tmp_path) == [
        sys.executable, "-m", "demos.x", "--data", "auto", "--out", str(tmp_path),
    ]  # fmt: skip


def test_a_relative_data_path_is_made_absolute_for_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    request = DemoRequest("x", data="data/cifar.npz")
    assert request.options() == ["--data", str(tmp_path / "data/cifar.npz")]
    assert request.parameters()["data"] == str(tmp_path / "data/cifar.npz")


def test_runs_go_to_the_argument_else_the_env_else_the_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(RUNS_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert runs_root() == tmp_path / "xdg" / "studyapp" / "runs"
    monkeypatch.setenv(RUNS_DIR_ENV, str(tmp_path / "env-runs"))
    assert runs_root() == tmp_path / "env-runs"
    assert runs_root(tmp_path / "arg") == tmp_path / "arg"


# --------------------------------------------------------------------------------------------
# Runs


def test_a_successful_run_is_recorded_with_device_metrics_and_artifacts(
    store: Store, tmp_path: Path
) -> None:
    events: list[DemoEvent] = []
    noon = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
    clock = iter([noon, noon + dt.timedelta(minutes=1)])
    result = run_demo(
        store.sessions,
        fake_request("succeed", epochs=2, quick=True, data="offline", seed=3),
        module=f"{FAKES}.succeed",
        artifacts_root=tmp_path / "runs",
        on_event=events.append,
        clock=lambda: next(clock),
    )
    run = row(store, result.run_id)
    run_dir = tmp_path / "runs" / f"{run.id}-fake_succeed"
    assert (run.status, run.exit_code) == ("succeeded", 0)
    assert (run.backend, run.device, run.precision) == ("tensorflow", "CPU:0", "float32")
    assert run.started_at == dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
    assert run.ended_at == dt.datetime(2026, 11, 21, 12, 1, tzinfo=dt.UTC)
    assert run.metrics == {"test_accuracy": 0.5, "test_loss": 0.25}
    assert run.artifacts == {
        "samples": [str(run_dir / "samples.png")],
        "model": [str(run_dir / "model.keras")],
    }
    assert Path(run.artifacts["samples"][0]).read_bytes().startswith(b"\x89PNG")
    assert run.artifact_dir == str(run_dir)
    assert run.stderr_tail == "fake: warming up (stderr)\nfake: finished (stderr)"
    assert run.parameters == {
        "epochs": 2, "batch_size": None, "quick": True, "lesson": False, "data": "offline",
        "backend": None, "precision": None, "seed": 3,
    }  # fmt: skip
    assert json.loads((run_dir / "argv.json").read_text())[-2:] == ["--out", str(run_dir)]

    stdout_events = [e for e in events if not (isinstance(e, LogLine) and e.stream == "stderr")]
    kinds = [type(e).__name__ for e in stdout_events]
    assert kinds[:4] == ["DeviceEvent", "DatasetEvent", "LogLine", "LogLine"]
    assert kinds.count("ProgressEvent") == 6 and kinds.count("EpochEvent") == 2
    assert kinds[-3:] == ["ArtifactEvent", "ArtifactEvent", "DoneEvent"]
    assert result.duration_s == 60.0 and result.error is None


def test_a_crashing_demo_is_recorded_as_failed_with_its_error_and_stderr_tail(
    sqlite_store: Store, tmp_path: Path
) -> None:
    result = run_demo(
        sqlite_store.sessions, fake_request("crash"), module=f"{FAKES}.crash",
        artifacts_root=tmp_path,
    )  # fmt: skip
    run = row(sqlite_store, result.run_id)
    assert (run.status, run.exit_code) == ("failed", 1)
    assert result.error == "ValueError: the fake demo was told to fail"
    tail = run.stderr_tail.splitlines()
    assert len(tail) == 40, "only the last lines are kept"
    assert tail[-1] == "ValueError: the fake demo was told to fail"
    assert "Traceback (most recent call last):" in tail
    assert "fake: noisy stderr line 0" not in tail
    assert run.metrics == {} and run.ended_at is not None
    assert run.backend == "tensorflow", "what was learnt before the crash is kept"


def test_a_demo_killed_by_sigkill_is_failed_and_says_so(
    sqlite_store: Store, tmp_path: Path
) -> None:
    result = run_demo(
        sqlite_store.sessions, fake_request("killed"), module=f"{FAKES}.killed",
        artifacts_root=tmp_path,
    )  # fmt: skip
    run = row(sqlite_store, result.run_id)
    assert (run.status, run.exit_code) == ("failed", -9)
    assert result.error == "the demo was killed by SIGKILL (out of memory?)"
    assert run.stderr_tail.splitlines() == [
        "fake: allocating far too much",
        "[studyapp] the demo was killed by SIGKILL (out of memory?)",
    ]


def test_a_module_that_does_not_exist_fails_with_pythons_message(
    sqlite_store: Store, tmp_path: Path
) -> None:
    result = run_demo(
        sqlite_store.sessions, fake_request("nope"), module=f"{FAKES}.nope",
        artifacts_root=tmp_path,
    )  # fmt: skip
    assert (result.status, result.exit_code) == ("failed", 1)
    assert "No module named tests.fake_demos.nope" in result.stderr_tail


def test_a_demo_that_cannot_be_launched_is_recorded_as_failed(
    sqlite_store: Store, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the runs folder should be")
    result = run_demo(
        sqlite_store.sessions, fake_request("succeed"), module=f"{FAKES}.succeed",
        artifacts_root=blocker,
    )  # fmt: skip
    run = row(sqlite_store, result.run_id)
    assert (run.status, run.exit_code) == ("failed", None)
    assert result.error is not None and result.error.startswith("could not start the demo:")
    assert result.error in run.stderr_tail


def test_a_broken_event_callback_does_not_break_the_run(
    sqlite_store: Store, tmp_path: Path
) -> None:
    def explode(event: DemoEvent) -> None:
        raise RuntimeError("display broke")

    result = run_demo(
        sqlite_store.sessions, fake_request("succeed"), module=f"{FAKES}.succeed",
        artifacts_root=tmp_path, on_event=explode,
    )  # fmt: skip
    assert result.status == "succeeded"
    assert "[studyapp] event callback failed: RuntimeError('display broke')" in result.stderr_tail


def _start_waiting(store: Store, tmp_path: Path, **options: Any) -> tuple[Any, list[DemoEvent]]:
    """Start the fake that waits to be cancelled; return once it is waiting."""
    events: list[DemoEvent] = []
    ready = threading.Event()

    def on_event(event: DemoEvent) -> None:
        events.append(event)
        if isinstance(event, DeviceEvent):
            ready.set()

    handle = start_run(
        store.sessions, fake_request("wait", seed=options.pop("seed", 0)),
        module=f"{FAKES}.wait", artifacts_root=tmp_path, on_event=on_event, **options,
    )  # fmt: skip
    assert ready.wait(WAIT_S), "the fake demo never reported its device"
    return handle, events


def _helper_pid(events: list[DemoEvent]) -> int:
    dataset = next(e for e in events if isinstance(e, DatasetEvent))
    return int(dataset.shapes["helper_pid"])


def test_cancel_interrupts_the_demo_and_its_process_group(
    sqlite_store: Store, tmp_path: Path
) -> None:
    handle, events = _start_waiting(sqlite_store, tmp_path)
    assert row(sqlite_store, handle.run_id).status == "running"
    child, helper = os.pidfd_open(handle.pid), os.pidfd_open(_helper_pid(events))
    handle.cancel()
    result = handle.wait(WAIT_S)
    assert result is not None
    assert wait_for_exit(child) and wait_for_exit(helper)
    os.close(child)
    os.close(helper)
    assert is_gone(handle.pid) and is_gone(_helper_pid(events))
    run = row(sqlite_store, handle.run_id)
    assert run.status == "cancelled"
    assert run.exit_code == -2, "SIGINT was enough"
    assert "KeyboardInterrupt" in run.stderr_tail


def test_a_demo_that_ignores_sigint_and_sigterm_is_killed_with_its_helper(
    sqlite_store: Store, tmp_path: Path
) -> None:
    handle, events = _start_waiting(
        sqlite_store, tmp_path, seed=1, interrupt_grace_s=0.2, terminate_grace_s=0.2
    )
    helper = os.pidfd_open(_helper_pid(events))
    handle.cancel()
    result = handle.wait(WAIT_S)
    assert result is not None and (result.status, result.exit_code) == ("cancelled", -9)
    assert wait_for_exit(helper), "the helper in the demo's group was killed too"
    os.close(helper)
    assert is_gone(handle.pid) and is_gone(_helper_pid(events))


def test_a_cancel_event_handed_in_by_a_worker_cancels_the_run(
    sqlite_store: Store, tmp_path: Path
) -> None:
    cancel = threading.Event()
    handle, _ = _start_waiting(sqlite_store, tmp_path, cancel_event=cancel)
    assert handle.cancel_event is cancel
    cancel.set()
    result = handle.wait(WAIT_S)
    assert result is not None and result.status == "cancelled"
    assert row(sqlite_store, handle.run_id).status == "cancelled"


def test_list_runs_is_newest_first_and_json_ready(sqlite_store: Store, tmp_path: Path) -> None:
    times = iter(dt.datetime(2026, 11, 21, 12, m, tzinfo=dt.UTC) for m in range(10))
    for fake in ("succeed", "crash"):
        run_demo(
            sqlite_store.sessions, fake_request(fake, card_id=None), module=f"{FAKES}.{fake}",
            artifacts_root=tmp_path, clock=lambda: next(times),
        )  # fmt: skip
    runs = list_runs(sqlite_store.sessions, limit=10)
    assert [(r["demo"], r["status"]) for r in runs] == [
        ("fake_crash", "failed"),
        ("fake_succeed", "succeeded"),
    ]
    assert runs[1]["started_at"] == "2026-11-21T12:00:00+00:00"
    assert runs[1]["duration_s"] == 60.0
    assert json.loads(json.dumps(runs)) == runs
    assert [r["demo"] for r in list_runs(sqlite_store.sessions, limit=1)] == ["fake_crash"]
    only = list_runs(sqlite_store.sessions, demo_name="fake_succeed")
    assert [r["demo"] for r in only] == ["fake_succeed"]


def test_the_runner_imports_neither_textual_nor_keras_nor_numpy() -> None:
    code = "import sys, studyapp.demos.runner, studyapp.cli.demo; print(' '.join(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    roots = {name.split(".")[0] for name in loaded}
    assert not roots & {"textual", "keras", "tensorflow", "numpy", "jax", "torch"}


# --------------------------------------------------------------------------------------------
# `studyapp demo ...`


@pytest.fixture
def studyapp_app() -> Any:
    """The real `studyapp` Typer app (cli.py registers the demo commands)."""
    from studyapp.cli import app as cli

    return cli.app


FAKE_CATALOGUE_CODE = """
import dataclasses
import studyapp.demos.catalogue as catalogue

_real = catalogue.all_demos()
_fakes = tuple(
    dataclasses.replace(
        _real[0], name=f"fake-{n}", module=f"tests.fake_demos.{n}", title=f"Fake {n}"
    )
    for n in ("succeed", "crash", "wait")
)


def _all():
    return _real + _fakes


def _by_name(name):
    for demo in _all():
        if demo.name == name:
            return demo
    raise catalogue.UnknownDemo(name, tuple(d.name for d in _all()))
"""


@pytest.fixture
def fake_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real catalogue plus fake-succeed, fake-crash and fake-wait."""
    import studyapp.demos.catalogue as catalogue

    namespace: dict[str, Any] = {}
    exec(FAKE_CATALOGUE_CODE, namespace)
    monkeypatch.setattr(catalogue, "all_demos", namespace["_all"])
    monkeypatch.setattr(catalogue, "demo_by_name", namespace["_by_name"])


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database file and a runs folder of this test's own; returns the database path."""
    monkeypatch.setenv(RUNS_DIR_ENV, str(tmp_path / "runs"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("STUDYAPP_DB", raising=False)
    return tmp_path / "cli.db"


def invoke(app: Any, db: Path, *args: str) -> Any:
    from typer.testing import CliRunner

    return CliRunner().invoke(app, ["--db", str(db), "demo", *args])


def runs_in(db: Path) -> list[DemoRun]:
    from studyapp.store.opening import open_store

    store = open_store(str(db))
    try:
        with store.sessions() as session:
            return list(session.scalars(sql_select(DemoRun).order_by(DemoRun.id)))
    finally:
        store.close()


def test_demo_list_shows_the_catalogue(studyapp_app: Any, cli_env: Path) -> None:
    table = invoke(studyapp_app, cli_env, "list")
    assert table.exit_code == 0, table.output
    assert "mlp-cifar10" in table.stdout and "Chapter 2: Deep Learning" in table.stdout
    listed = json.loads(invoke(studyapp_app, cli_env, "list", "--json").stdout)
    assert {"name": "mlp-cifar10", "module": "demos.mlp_cifar10"}.items() <= listed[0].items()


def test_demo_info_shows_the_demo_and_its_command(studyapp_app: Any, cli_env: Path) -> None:
    shown = invoke(studyapp_app, cli_env, "info", "vae")
    assert shown.exit_code == 0, shown.output
    assert "python -m demos.vae --quick --data offline --out DIR" in shown.stdout
    details = json.loads(invoke(studyapp_app, cli_env, "info", "vae", "--json").stdout)
    assert details["module"] == "demos.vae" and details["runs"] == []


@pytest.mark.parametrize("command", ["run", "info"])
def test_an_unknown_demo_is_one_line_naming_the_known_ones(
    studyapp_app: Any, cli_env: Path, command: str
) -> None:
    result = invoke(studyapp_app, cli_env, command, "no-such-demo")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("studyapp: unknown demo 'no-such-demo'; known demos: mlp-cifar10, ")
    assert "dcgan" in line
    assert result.stdout == "" and runs_in(cli_env) == []


def test_demo_run_shows_device_progress_metrics_and_artifacts(
    studyapp_app: Any, cli_env: Path, fake_catalogue: None
) -> None:
    result = invoke(
        studyapp_app, cli_env, "run", "fake-succeed", "--epochs", "2", "--quick",
        "--data", "offline", "--seed", "4",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Device: tensorflow on CPU:0 (float32)" in out
    assert "Dataset: fake10 [offline]: x_train 12×4×4×3" in out
    assert "epoch 2/2" in out and "3/3" in out
    assert "Metrics: test_accuracy 0.5 · test_loss 0.25" in out
    (run,) = runs_in(cli_env)
    assert f"samples: {run.artifact_dir}/samples.png" in out
    assert (run.demo_name, run.status, run.exit_code) == ("fake-succeed", "succeeded", 0)
    assert run.parameters["epochs"] == 2 and run.parameters["seed"] == 4


def test_demo_run_json_passes_the_event_lines_through(
    studyapp_app: Any, cli_env: Path, fake_catalogue: None
) -> None:
    result = invoke(studyapp_app, cli_env, "run", "fake-succeed", "--json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    events = [json.loads(line) for line in lines]  # stdout is JSON lines only
    assert lines[0] == encode(DeviceEvent("tensorflow", ("CPU:0",), "float32"))
    assert [e["event"] for e in events].count("progress") == 6
    (run,) = runs_in(cli_env)
    assert events[-1] == {
        "event": "run", "id": run.id, "demo": "fake-succeed", "status": "succeeded",
        "exit_code": 0, "error": None, "artifact_dir": run.artifact_dir,
    }  # fmt: skip
    assert "this line is not JSON" in result.stderr


def test_a_failed_demo_prints_its_error_and_stderr_tail_and_exits_1(
    studyapp_app: Any, cli_env: Path, fake_catalogue: None
) -> None:
    result = invoke(studyapp_app, cli_env, "run", "fake-crash")
    assert result.exit_code == 1
    (run,) = runs_in(cli_env)
    assert (
        f"✗ fake-crash: run {run.id} failed (exit 1): ValueError: the fake demo was told to fail"
        in result.stderr
    )
    assert "Last lines on the demo's stderr:" in result.stderr
    assert "  ValueError: the fake demo was told to fail" in result.stderr
    assert "Traceback" not in result.stdout and run.status == "failed"


def test_demo_run_refuses_a_missing_card_or_data_path(
    studyapp_app: Any, cli_env: Path, fake_catalogue: None, tmp_path: Path
) -> None:
    no_card = invoke(studyapp_app, cli_env, "run", "fake-succeed", "--card", "999")
    assert no_card.exit_code == 2 and "no card with id 999" in no_card.stderr
    no_data = invoke(studyapp_app, cli_env, "run", "fake-succeed", "--data", str(tmp_path / "x"))
    assert no_data.exit_code == 2 and "no such data path" in no_data.stderr
    assert runs_in(cli_env) == []


def test_demo_runs_lists_past_runs(studyapp_app: Any, cli_env: Path, fake_catalogue: None) -> None:
    invoke(studyapp_app, cli_env, "run", "fake-succeed")
    invoke(studyapp_app, cli_env, "run", "fake-crash")
    table = invoke(studyapp_app, cli_env, "runs")
    assert table.exit_code == 0 and "fake-crash" in table.stdout and "succeeded" in table.stdout
    listed = json.loads(invoke(studyapp_app, cli_env, "runs", "--json").stdout)
    assert [(r["demo"], r["status"]) for r in listed] == [
        ("fake-crash", "failed"),
        ("fake-succeed", "succeeded"),
    ]


def test_ctrl_c_cancels_the_demo_and_exits_130(cli_env: Path) -> None:
    """A real SIGINT to a real `studyapp demo run` process, sent once the demo is running."""
    driver = (
        FAKE_CATALOGUE_CODE
        + "catalogue.all_demos, catalogue.demo_by_name = _all, _by_name\n"
        + "\nimport sys\nfrom studyapp import cli\n"
        "sys.argv = ['studyapp', *sys.argv[1:]]\ncli.main()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", driver, "--db", str(cli_env), "demo", "run", "fake-wait", "--json"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert process.stdout is not None
    events = []
    for line in process.stdout:
        events.append(json.loads(line))
        if events[-1]["event"] == "device":
            break
    helper = os.pidfd_open(events[0]["shapes"]["helper_pid"])
    process.send_signal(2)  # SIGINT, as the terminal sends for Ctrl-C
    rest, stderr = process.communicate(timeout=WAIT_S)
    assert process.returncode == 130, stderr
    assert json.loads(rest.splitlines()[-1])["status"] == "cancelled"
    assert "Cancelling the demo…" in stderr
    assert wait_for_exit(helper)
    os.close(helper)
    (run,) = runs_in(cli_env)
    assert run.status == "cancelled" and run.ended_at is not None


@pytest.mark.slow
def test_the_real_mlp_demo_runs_offline_through_the_cli(studyapp_app: Any, cli_env: Path) -> None:
    """demos.mlp_cifar10 --quick --data offline: Keras trains in the child, the run is kept."""
    result = invoke(studyapp_app, cli_env, "run", "mlp-cifar10", "--quick", "--data", "offline")
    assert result.exit_code == 0, result.output
    assert "Device: tensorflow on CPU" in result.stdout
    assert "epoch 1/" in result.stdout and "test_accuracy" in result.stdout
    (run,) = runs_in(cli_env)
    assert run.status == "succeeded" and run.metrics["test_accuracy"] > 0.2
    assert Path(run.artifacts["confusion-matrix"][0]).is_file()


def test_an_unreachable_database_is_one_line(studyapp_app: Any, cli_env: Path) -> None:
    from typer.testing import CliRunner

    url = "postgresql+psycopg://nobody:nothing@127.0.0.1:1/none"
    result = CliRunner().invoke(studyapp_app, ["--db", url, "demo", "runs"])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("studyapp: cannot open database postgresql+psycopg://nobody:***@")
