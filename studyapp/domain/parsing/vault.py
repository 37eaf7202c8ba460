"""What a file's folder says about its dialect: an Obsidian vault above it, and the Spaced
Repetition plugin's settings in that vault; plus what the user forced for this import.

Reads only: `.obsidian/` is looked for in the file's folder and every folder above it, and
the plugin's `data.json` is read (size-capped, as untrusted as any note) once per vault and
import. Nothing of the other tool is ever written.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from studyapp.domain.parsing.cloze_patterns import usable_patterns
from studyapp.domain.parsing.dialect import (
    DEFAULT_CLOZE_PATTERNS,
    PLUGIN_KEYS,
    ObsidianSettings,
    ParseOptions,
)
from studyapp.domain.parsing.hashcards_db import DATABASE, HashcardsLog, read_log
from studyapp.domain.parsing.model import Dialect, ParseError, ParseWarning
from studyapp.domain.parsing.source import read_limited

VAULT_MARK = ".obsidian"
PLUGIN_DATA = Path(".obsidian", "plugins", "obsidian-spaced-repetition", "data.json")
MAX_DATA_BYTES = 1024 * 1024
# With a data.json, settings it leaves out take the plugin's own defaults (one cloze pattern).
PLUGIN_DEFAULTS = ObsidianSettings(cloze_patterns=DEFAULT_CLOZE_PATTERNS[:1])
OVERRIDE_KEYS = (*PLUGIN_KEYS, "clozePatterns", "flashcardTags", "convertFoldersToDecks")


def dialect_named(name: str | Dialect | None) -> Dialect | None:
    """The dialect a user named (`obsidian`, `hashcards`, `studyapp`), or ValueError."""
    if name is None or isinstance(name, Dialect):
        return name
    try:
        return Dialect(name.strip().lower())
    except ValueError:
        known = ", ".join(d.value for d in Dialect)
        raise ValueError(f"unknown dialect {name!r}; use one of {known}") from None


class DialectResolver:
    """Parse options per file for one import. `overrides` are plugin settings by their own
    key names (`{"singleLineCardSeparator": "&&"}`); they beat a vault's `data.json`."""

    def __init__(
        self,
        dialect: str | Dialect | None = None,
        overrides: Mapping[str, object] | None = None,
    ) -> None:
        self.dialect = dialect_named(dialect)
        self.overrides = dict(overrides or {})
        unknown = sorted(set(self.overrides) - set(OVERRIDE_KEYS))
        if unknown:
            raise ValueError(f"unknown Obsidian setting {unknown[0]!r}")
        self.problems: list[ParseWarning] = []
        self._roots: dict[tuple[Path, str], Path | None] = {}
        self._settings: dict[Path | None, ObsidianSettings] = {}
        self._logs: dict[Path, HashcardsLog | None] = {}

    def vault_root(self, folder: Path) -> Path | None:
        """The nearest folder at or above `folder` holding `.obsidian/`, or None."""
        return self._nearest(folder, VAULT_MARK)

    def _nearest(self, folder: Path, mark: str) -> Path | None:
        """The nearest folder at or above `folder` holding `mark` (the vault's folder, or the
        hashcards database), looked up once per folder and import."""
        visited: list[Path] = []
        root: Path | None = None
        for candidate in (folder, *folder.parents):
            if (candidate, mark) in self._roots:
                root = self._roots[candidate, mark]
                break
            visited.append(candidate)
            found = candidate / mark
            if found.is_dir() if mark == VAULT_MARK else found.is_file():
                root = candidate
                break
        for candidate in visited:
            self._roots[candidate, mark] = root
        return root

    def hashcards_log(self, folder: Path) -> HashcardsLog | None:
        """The review states of the hashcards collection `folder` is in, if it has any."""
        root = self._nearest(folder, DATABASE)
        if root is None:
            return None
        if root not in self._logs:
            try:
                self._logs[root] = read_log(root / DATABASE)
            except (OSError, sqlite3.Error, ValueError, TypeError) as error:
                self._note(str(root / DATABASE), [f"not a hashcards database ({error}); ignored"])
                self._logs[root] = None
        return self._logs[root]

    def settings_for(self, root: Path | None) -> ObsidianSettings:
        if root not in self._settings:
            self._settings[root] = self._load(root)
        return self._settings[root]

    def options_for(self, path: Path) -> ParseOptions:
        root = self.vault_root(path.parent)
        folder = None
        if root is not None:
            parts = path.parent.relative_to(root).parts
            folder = "/".join(parts) or None
        return ParseOptions(
            dialect=self.dialect,
            obsidian=self.settings_for(root),
            vault=root is not None,
            folder_deck=folder,
            hashcards=self.hashcards_log(path.parent),
        )

    def _load(self, root: Path | None) -> ObsidianSettings:
        settings = ObsidianSettings()
        where = "--separator"
        if root is not None and (root / PLUGIN_DATA).is_file():
            where = str(root / PLUGIN_DATA)
            settings = self._from_data_json(root / PLUGIN_DATA, where)
        settings, problems = settings.with_plugin_values(self.overrides)
        self._note(where, problems)
        patterns, problems = usable_patterns(settings.cloze_patterns)
        self._note(where, [f"{p}; ignored" for p in problems])
        return _with_patterns(settings, tuple(p.raw for p in patterns))

    def _from_data_json(self, path: Path, where: str) -> ObsidianSettings:
        try:
            data = json.loads(read_limited(path, where, MAX_DATA_BYTES).decode("utf-8"))
        except ParseError as error:
            self._note(where, [f"{error.message}; the plugin's default settings are used"])
            return PLUGIN_DEFAULTS
        except (ValueError, RecursionError) as error:
            self._note(where, [f"not plugin settings ({error}); its default settings are used"])
            return PLUGIN_DEFAULTS
        values = data.get("settings", data) if isinstance(data, dict) else None
        if not isinstance(values, dict):
            self._note(where, ["holds no settings object; the plugin's defaults are used"])
            return PLUGIN_DEFAULTS
        settings, problems = PLUGIN_DEFAULTS.with_plugin_values(values)
        self._note(where, problems)
        return settings

    def _note(self, where: str, problems: list[str]) -> None:
        self.problems += [ParseWarning(where, 1, problem) for problem in problems]


def _with_patterns(settings: ObsidianSettings, patterns: tuple[str, ...]) -> ObsidianSettings:
    if patterns == settings.cloze_patterns:
        return settings
    values = {"clozePatterns": list(patterns)}
    return settings.with_plugin_values(values)[0]
