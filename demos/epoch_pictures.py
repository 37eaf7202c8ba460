"""Pictures of learning: the same latent points drawn again after every epoch.

A generative demo hands `epoch_pictures` a function that draws its fixed latent points (the same
noise vectors for a GAN, the same z for a VAE or a flow) into a picture file. The callback calls
it before training ("epoch 0") and after epochs, writing `epochs/samples_<epoch>.png` and
announcing each as an artifact of kind "epoch-samples" with the `epoch` and `epochs` it shows,
which the app's demo screen steps through with `[` and `]`. Long runs draw at most
`MAX_PICTURES` pictures, evenly spaced, the last epoch always among them; a `--quick` smoke run
draws only the last.

Imports keras (a Keras callback), so only a demo's own process imports it, after the backend is
chosen.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras

from demos.entrypoint import TrainingRun

EPOCH_SAMPLES = "epoch-samples"
"""The artifact kind of a picture drawn after an epoch."""

MAX_PICTURES = 40

Draw = Callable[[Path], Path]
"""Writes the picture of the fixed latent points to the path it is given; returns it."""


def picture_epochs(epochs: int, most: int = MAX_PICTURES) -> set[int]:
    """The epochs (1-based) that get a picture: every one, or evenly spaced, ending on the last."""
    every = max(1, math.ceil(epochs / most))
    return {epoch for epoch in range(1, epochs + 1) if epoch % every == 0} | {epochs}


class EpochPictures(keras.callbacks.Callback):
    """Draws the fixed latent points before training and after the chosen epochs."""

    def __init__(self, demo: TrainingRun, draw: Draw, *, name: str = "samples") -> None:
        super().__init__()
        self._demo = demo
        self._draw = draw
        self._name = name
        self._epochs = 0
        self._chosen: set[int] = set()

    def on_train_begin(self, logs: Any = None) -> None:
        self._epochs = int(self.params.get("epochs") or self._demo.options.epochs)
        quick = self._demo.options.quick
        self._chosen = picture_epochs(self._epochs, 1 if quick else MAX_PICTURES)
        if not quick:
            self._picture(0)

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if epoch + 1 in self._chosen:
            self._picture(epoch + 1)

    def _picture(self, epoch: int) -> None:
        path = self._draw(self._demo.out_dir / "epochs" / f"{self._name}_{epoch:03}.png")
        self._demo.artifact(EPOCH_SAMPLES, path, epoch=epoch, epochs=self._epochs)
