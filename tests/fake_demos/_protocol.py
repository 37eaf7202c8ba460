"""What every fake demo shares: the demos' command line and the event printer.

Events go through `studyapp.demos.protocol`, the schema the real demos write with, so the
fakes print exactly the lines a real demo would.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from studyapp.demos.protocol import encode, event_from_dict


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--lesson", action="store_true")
    parser.add_argument("--data", default="auto")
    parser.add_argument("--backend", default="tensorflow")
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    return parser.parse_args()


def emit(event: str, **fields: Any) -> None:
    print(encode(event_from_dict({"event": event, **fields})), flush=True)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
