"""A lesson run in miniature: a download, a picture after every epoch, and a lesson verdict.

Each epoch's picture is one flat colour (red, then green, then blue...), so a test can tell by
a pixel which epoch the demo screen shows. `--seed 0` passes the lesson, any other seed not.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.fake_demos._protocol import emit, parse_args

COLOURS = ((200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30))
FILE_BYTES = 2_000_000


def main() -> None:
    args = parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    emit("device", backend=args.backend, devices=["CPU:0"], precision=args.precision)
    for done in (0, FILE_BYTES // 2, FILE_BYTES):
        emit("download", file="digits.gz", bytes_done=done, total_bytes=FILE_BYTES,
             url="http://mirror.invalid/digits.gz")  # fmt: skip
    emit("dataset", name="fake-digits", source="keras-cache", shapes={"x_train": [8, 4, 4, 1]})
    for epoch in range(args.epochs + 1):
        if epoch:
            emit("epoch", epoch=epoch, epochs=args.epochs, logs={"loss": 1.0 / epoch})
        picture = out / "epochs" / f"samples_{epoch:03}.png"
        picture.parent.mkdir(exist_ok=True)
        Image.new("RGB", (12, 8), COLOURS[epoch % len(COLOURS)]).save(picture)
        emit("artifact", kind="epoch-samples", path=str(picture), epoch=epoch, epochs=args.epochs)
    passed = args.seed == 0
    value = 0.93 if passed else 0.41
    emit(
        "done",
        metrics={"test_accuracy": value},
        lesson={"metric": "test_accuracy", "value": value, "target": 0.9, "passed": passed},
    )


if __name__ == "__main__":
    main()
