"""Paths that are not what they seem: `export -o` and `backup FILE` write only to a regular file
or a new path (never over a device, a FIFO, a folder, or through a link to one of them);
`--db ''` and `import ''` are errors rather than the default database and the current folder;
a FIFO or `/dev/zero` given to `import` (or to `optimize --revlog`) returns at once with one
line.

The device case uses a copy of /dev/null made with mknod in the test's own folder when the
tests run as root (they do in CI): the same kind of file, so the same code path, but a
regression replaces the copy, not the machine's /dev/null. As another user, /dev/null itself.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli
from tests.cli.databases import real_database

STUDYAPP = str(Path(sys.executable).with_name("studyapp"))


def a_device(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        return Path("/dev/null")
    device = tmp_path / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return device


def specials(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name: (path, what the one line says it is)."""
    device = a_device(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "link-to-device"
    link.symlink_to(device)
    folder = tmp_path / "folder"
    folder.mkdir()
    return {
        "device": (device, "is a device; write to a regular file or a new path"),
        "fifo": (fifo, "is a FIFO; write to a regular file or a new path"),
        "link to a device": (link, "is a device; write to a regular file or a new path"),
        "folder": (folder, "is a folder, not a file"),
    }


@pytest.mark.parametrize("kind", ["device", "fifo", "link to a device", "folder"])
@pytest.mark.parametrize("fmt", ["csv", "apkg"])
def test_export_never_replaces_anything_but_a_regular_file(
    tmp_path: Path, kind: str, fmt: str
) -> None:
    database = real_database(tmp_path, cards=5)
    path, what = specials(tmp_path)[kind]
    mode = os.stat(path).st_mode
    result = run_cli(str(database), "export", "-f", fmt, "-o", str(path))
    assert result.exit_code == 1, result.stderr
    assert result.one_line() == f"studyapp export: {path}: {what}"
    assert os.stat(path).st_mode == mode, "still the same kind of file"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary left"


@pytest.mark.parametrize("kind", ["device", "fifo", "link to a device", "folder"])
def test_backup_never_replaces_anything(tmp_path: Path, kind: str) -> None:
    database = real_database(tmp_path, cards=5)
    path, _ = specials(tmp_path)[kind]
    mode = os.stat(path).st_mode
    result = run_cli(str(database), "backup", str(path))
    assert result.exit_code == 1
    assert result.one_line() == f"studyapp backup: {path}: already exists; choose another name"
    assert os.stat(path).st_mode == mode


def test_export_writes_through_a_link_to_a_regular_file(tmp_path: Path) -> None:
    database = real_database(tmp_path, cards=5)
    real = tmp_path / "reviews.csv"
    real.write_text("old\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    result = run_cli(str(database), "export", "-o", str(link))
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and real.read_text().startswith("card_id,")


def test_an_empty_db_is_an_error_not_the_default_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = tmp_path / "default.db"
    monkeypatch.setenv("STUDYAPP_DB", str(default))
    for value in ("", "  "):
        result = run_cli(None, "--db", value, "decks")
        assert result.exit_code == 2
        assert result.one_line() == (
            "studyapp: --db is empty; give a database URL or a SQLite file path"
        )
    assert not default.exists()


def test_an_empty_import_path_is_an_error_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "here.md").write_text("# Here\n\nQ? :: A.\n")
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "study.db"
    result = run_cli(str(database), "import", "")
    assert result.exit_code == 2
    assert result.one_line() == "studyapp import: an empty path names no file or folder"
    assert run_cli(str(database), "decks", "--json").stdout.strip() == "[]"


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STUDYAPP_DB": str(tmp_path / "cli.db"), "NO_COLOR": "1"}
    return subprocess.run(
        [STUDYAPP, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,  # a read that hangs fails here instead of hanging the suite
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_fifo_or_dev_zero_to_import_is_one_line_at_once(tmp_path: Path, kind: str) -> None:
    path = Path("/dev/zero")
    if kind == "fifo":
        path = tmp_path / "notes.md"
        os.mkfifo(path)
    result = _run(["import", str(path)], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"{path}: not a regular file"


def test_a_fifo_inside_a_folder_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    os.mkfifo(folder / "pipe.md")
    (folder / "real.md").write_text("# Real\n\nQ? :: A.\n")
    result = _run(["import", "--json", str(folder)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "real.md" in result.stdout and "pipe.md" not in result.stdout


def test_a_fifo_as_the_revlog_is_one_line_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "revlog.csv"
    os.mkfifo(fifo)
    result = _run(["optimize", "--revlog", str(fifo)], tmp_path)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert str(fifo) in line and "not a regular file" in line
