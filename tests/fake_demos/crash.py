"""Fails half-way, the way a real demo does: an error event, then the traceback on stderr."""

from __future__ import annotations

from tests.fake_demos._protocol import emit, parse_args, say


def main() -> None:
    args = parse_args()
    emit("device", backend=args.backend, devices=["CPU:0"], precision=args.precision)
    emit("progress", epoch=1, epochs=2, step=1, steps=3, loss=1.5)
    for number in range(60):
        say(f"fake: noisy stderr line {number}")
    emit("error", message="ValueError: the fake demo was told to fail")
    raise ValueError("the fake demo was told to fail")


if __name__ == "__main__":
    main()
