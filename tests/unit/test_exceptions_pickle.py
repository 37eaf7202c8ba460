"""Every exception class of the app survives pickling with its message: an error raised in
the parsing process reaches the importing one through a pickle, and one that does not
round-trip stops the whole pool instead of failing one file."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
from pathlib import Path

import pytest

import studyapp

SAMPLES: dict[object, object] = {str: "deck.md", int: 7, Path: Path("deck.md")}


def exception_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    modules = [info.name for info in pkgutil.walk_packages(studyapp.__path__, "studyapp.")]
    modules += ["db.migrate", "db.engine", "db.models"]
    for name in modules:
        if name.startswith(("studyapp.tui", "studyapp.serve")) or name == "studyapp.__main__":
            continue
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == name
            ):
                found[f"{name}.{value.__qualname__}"] = value
    return [found[key] for key in sorted(found)]


def an_instance(cls: type[BaseException]) -> BaseException:
    """The class built from sample values of its constructor's annotated types."""
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    args = []
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.default is not parameter.empty:
            continue
        annotation = str(parameter.annotation)
        if "tuple" in annotation:
            args.append(("vae", "gan"))
        elif "int" in annotation and "str" not in annotation:
            args.append(7)
        else:
            args.append("deck.md")
    return cls(*args)


def test_the_app_has_exception_classes() -> None:
    names = {cls.__name__ for cls in exception_classes()}
    assert {"ParseError", "UnknownDemo", "SchemaRefused"} <= names, names


@pytest.mark.parametrize("cls", exception_classes(), ids=lambda c: c.__qualname__)
def test_every_exception_round_trips_through_pickle(cls: type[BaseException]) -> None:
    error = an_instance(cls)
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is cls
    assert str(again) == str(error)
