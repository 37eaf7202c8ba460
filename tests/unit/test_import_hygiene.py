"""Light start: the core and the CLI never import Textual, Keras or TensorFlow; the core
never imports the UI. Each module is imported in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import db
import studyapp

HEAVY = ("keras", "tensorflow", "torch", "jax")
UI = ("textual",)


def core_modules() -> list[str]:
    names = ["db.models", "db.engine", "db.migrate"]
    for info in pkgutil.walk_packages(studyapp.__path__, "studyapp."):
        if info.name.startswith("studyapp.tui") or info.name == "studyapp.__main__":
            continue
        names.append(info.name)
    return sorted(names)


def loaded_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in output.split()}


def test_core_module_list_is_not_empty() -> None:
    assert {
        "studyapp.store.library",
        "studyapp.domain.parsing.book",
        "studyapp.domain.scheduling",
    } <= set(core_modules())
    assert db.__name__ == "db"


@pytest.mark.parametrize("module", core_modules())
def test_core_imports_neither_ui_nor_keras(module: str) -> None:
    loaded = loaded_after_import(module)
    assert not loaded & set(HEAVY + UI), f"{module} pulled in {loaded & set(HEAVY + UI)}"


def test_cli_listing_command_starts_without_heavy_imports(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Running a whole CLI command (decks) loads no Textual, Keras or TensorFlow."""
    modules = modules_after_cli("--db", str(tmp_path / "x.db"), "decks", "--json")
    assert not modules & set(HEAVY + UI)


def test_tui_loads_neither_typer_nor_the_cli() -> None:
    """Opening the TUI must not pay for the CLI: the display helpers it shares live in text/."""
    code = "import sys, studyapp.tui.app; print(' '.join(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "typer" not in {name.split(".")[0] for name in output}
    assert not [name for name in output if name.startswith("studyapp.cli")]
    assert not {name.split(".")[0] for name in output} & set(HEAVY)


def test_the_review_start_loads_neither_the_importer_nor_the_demo_runner() -> None:
    """`studyapp review` must show its first question in a second on 100,000 cards: what it
    loads before then is the CLI, the app and the review screen, not the importer with its
    parsers, the demo runner or the screens nobody opened yet."""
    code = (
        "import sys, studyapp.cli.app, studyapp.tui.app, studyapp.tui.screens.review, "
        "studyapp.tui.screens.home; print(' '.join(sorted(sys.modules)))"
    )
    output = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    unwanted = {
        "studyapp.store.library",
        "studyapp.domain.parsing",
        "studyapp.demos.runner",
        "studyapp.cli.demo_display",
        "studyapp.tui.screens.demo",
        "studyapp.tui.screens.stats",
    }
    assert not output & unwanted, sorted(output & unwanted)


def modules_after_cli(*args: str) -> set[str]:
    """Top-level modules loaded by one whole `studyapp ARGS` command, in a fresh interpreter."""
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['studyapp', *{list(args)!r}]\n"
        "try:\n    runpy.run_module('studyapp', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {n.split(".")[0] for n in output.split("MODULES", 1)[1].split()}


def test_an_unchanged_reimport_loads_no_parser(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Re-importing unchanged files only hashes them: markdown-it, the fuzzy matcher and
    pydantic (which typer ≥ 0.29 loads for every option) cost start-up time for nothing."""
    deck = tmp_path / "deck.md"
    deck.write_text(
        "# Notes\n\n## VAE\n\n- Latent space: where the codes live.\n\n"
        ":p Why?\n??x\nBecause.\nx??\n"
    )
    database = str(tmp_path / "study.db")
    first = modules_after_cli("--db", database, "import", str(deck))
    assert "markdown_it" in first  # a first import does parse
    again = modules_after_cli("--db", database, "import", str(deck))
    assert not again & {"markdown_it", "rapidfuzz", "pydantic"}, again & {
        "markdown_it",
        "rapidfuzz",
        "pydantic",
    }
