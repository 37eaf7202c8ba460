"""Trains nothing, reports everything: device, dataset, progress, epochs, a PNG, done."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PIL import Image

from tests.fake_demos._protocol import emit, parse_args, say

STEPS = 3


def main() -> None:
    args = parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "argv.json").write_text(json.dumps(sys.argv[1:]))
    say("fake: warming up (stderr)")
    emit("device", backend=args.backend, devices=["CPU:0"], precision=args.precision)
    emit("dataset", name="fake10", source=args.data, shapes={"x_train": [12, 4, 4, 3]})
    print("this line is not JSON", flush=True)
    print('{"event": "progress", "loss": "not a number"', flush=True)
    for epoch in range(1, args.epochs + 1):
        for step in range(1, STEPS + 1):
            loss = 2.0 / (epoch * STEPS + step)
            emit(
                "progress",
                epoch=epoch,
                epochs=args.epochs,
                step=step,
                steps=STEPS,
                loss=loss,
                metrics={"accuracy": 0.1 * step},
            )
        emit("epoch", epoch=epoch, logs={"loss": loss, "accuracy": 0.3, "val_loss": loss * 1.1})
    image = Image.new("RGB", (8, 6))
    for x in range(8):
        for y in range(6):
            image.putpixel((x, y), (x * 32, y * 40, 128))
    image.save(out / "samples.png")
    emit("artifact", kind="samples", path=str(out / "samples.png"))
    (out / "model.keras").write_bytes(b"not really a model")
    emit("artifact", kind="model", path="model.keras")
    say("fake: finished (stderr)")
    emit("done", metrics={"test_accuracy": 0.5, "test_loss": 0.25})


if __name__ == "__main__":
    main()
