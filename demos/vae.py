"""Chapter 3 demo: the book's variational autoencoder with a 2-D latent space, on Fashion-MNIST.

    python -m demos.vae [--quick] [--data auto|offline|PATH] ...

Encoder: the autoencoder's convolutions, then two Dense heads, `z_mean` and `z_log_var`, and a
`Sampling` layer (the reparameterisation trick, z = mean + exp(log_var / 2) * epsilon). Decoder:
the autoencoder's (`demos.autoencoder.build_decoder`). Loss, as in the book:
beta * mean binary cross-entropy per image (beta = 500) + KL divergence to N(0, I).
Adam 5e-4, batch 100, 5 epochs.

The book writes the loss in a TensorFlow `train_step` (GradientTape). Here it is a
`compute_loss` override in `keras.ops` only: Keras' own train step for the active backend
(TensorFlow, JAX or PyTorch) differentiates it, and that step also applies loss scaling when the
optimizer is a `LossScaleOptimizer` (the `mixed_float16` policy), which a hand-written tape
would have to repeat. The reconstruction and KL terms are tracked as metrics, so they appear in
the `progress` and `epoch` events next to the total loss.

Artifacts: `samples.png` (decodings of z ~ N(0, I), the book's 6×3 grid), `latent_space.png`
(test-set z_mean coloured by class, samples highlighted), `reconstructions.png`, and `epochs/`
(the same 30 points z ~ N(0, I) decoded before training and after each epoch).

The lesson metric, `knn5_accuracy`, asks whether the latent space orders itself by class: each
test image's z_mean is given the majority class of its 5 nearest training z_means. No label
is used in training, so a space that ignored the classes would score about 0.1 (one in ten);
the lesson asks for 0.7. Two dimensions keep the classes overlapping (about 0.56 on the offline
digits within the lesson's minutes), so the lesson trains a 16-D latent space (`--latent-dim
16`; the default is the book's 2) and measures the vote there; its `latent_space.png` then
shows the test means on their first two principal components.
keras is imported inside the functions: the entry point sets KERAS_BACKEND first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from demos import lesson_metrics
from demos.autoencoder import (
    EMBEDDING_DIM,
    IMAGE_SHAPE,
    LATENT_PLOT_EXAMPLES,
    SAMPLE_GRID,
    SHAPE_BEFORE_FLATTENING,
    add_latent_dim_argument,
    build_decoder,
    scale_images,
    write_latent_artifacts,
)
from demos.device_runtime import replica_share
from demos.entrypoint import DemoSpec, TrainingRun, run
from demos.figures import latent_scatter, mosaic
from studyapp.demos.catalogue import demo_by_module

#: Weight of the reconstruction term against the KL term (the book's BETA).
BETA = 500.0
LEARNING_RATE = 5e-4
#: Latent points decoded after every epoch (`epochs/`), and the neighbours of the lesson's vote.
EPOCH_GRID = (3, 10)
NEIGHBOURS = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_latent_dim_argument(parser, "latent space", "means")


def build_latent_decoder(latent_dim: int) -> Any:
    """The book's decoder (`demos.autoencoder.build_decoder`) fed by a `latent_dim` point."""
    import keras
    from keras import layers

    decoder = build_decoder()
    if latent_dim == EMBEDDING_DIM:
        return decoder
    inputs = keras.Input(shape=(latent_dim,), name="decoder_input")
    x = layers.Dense(int(np.prod(SHAPE_BEFORE_FLATTENING)))(inputs)
    # The book's layers after its Dense (InputLayer, Dense, then Reshape onwards), new weights.
    for layer in decoder.layers[2:]:
        x = layer(x)
    return keras.Model(inputs, x, name="decoder")


def principal_plane(points: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """`points` and `others` projected on the first two principal axes of `points`."""
    centre = points.mean(axis=0)
    _, _, axes = np.linalg.svd(points - centre, full_matrices=False)
    return [(array - centre) @ axes[:2].T for array in (points, *others)]


def build_vae(
    *, beta: float = BETA, latent_dim: int = EMBEDDING_DIM, seed: int | None = None
) -> tuple[Any, Any, Any]:
    """(vae, encoder, decoder). The encoder outputs [z_mean, z_log_var, z]."""
    import keras
    from keras import layers, ops

    # Classes are defined here, not at module level, because keras may only be imported once
    # the entry point has chosen the backend.
    class Sampling(layers.Layer):
        """z = z_mean + exp(z_log_var / 2) * epsilon, epsilon ~ N(0, I)."""

        def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(seed)

        def call(self, inputs: Any) -> Any:
            z_mean, z_log_var = inputs
            epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    class VAE(keras.Model):
        def __init__(self, encoder: Any, decoder: Any, beta: float, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.beta = beta
            self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        def call(self, inputs: Any, training: bool = False) -> Any:
            z_mean, z_log_var, z = self.encoder(inputs, training=training)
            return z_mean, z_log_var, self.decoder(z, training=training)

        def compute_loss(
            self,
            x: Any = None,
            y: Any = None,
            y_pred: Any = None,
            sample_weight: Any = None,
            training: bool = True,
        ) -> Any:
            z_mean, z_log_var, reconstruction = y_pred
            reconstruction_loss = self.beta * ops.mean(
                keras.losses.binary_crossentropy(x, reconstruction, axis=(1, 2, 3))
            )
            kl_loss = ops.mean(
                ops.sum(-0.5 * (1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)), axis=1)
            )
            self.reconstruction_loss_tracker.update_state(reconstruction_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            # Each replica's share of the mean under tf.distribute (`demos.device_runtime`).
            return replica_share(reconstruction_loss + kl_loss)

    inputs = keras.Input(shape=IMAGE_SHAPE, name="encoder_input")
    x = inputs
    for filters in (32, 64, 128):
        x = layers.Conv2D(filters, 3, strides=2, activation="relu", padding="same")(x)
    x = layers.Flatten()(x)
    # The latent statistics and the sample stay float32 under a mixed policy: exp(log_var)
    # overflows float16 quickly, and the KL term is a small difference of large numbers.
    z_mean = layers.Dense(latent_dim, name="z_mean", dtype="float32")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var", dtype="float32")(x)
    z = Sampling(seed=seed, name="sampling", dtype="float32")([z_mean, z_log_var])
    encoder = keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")
    decoder = build_latent_decoder(latent_dim)
    return VAE(encoder, decoder, beta, name="vae"), encoder, decoder


def train(demo: TrainingRun) -> dict[str, float]:
    import keras

    data = demo.load_images(IMAGE_SHAPE, labelled=None)
    x_train, x_test = scale_images(data.x_train), scale_images(data.x_test)
    latent_dim = int(demo.options.extra.get("latent_dim", EMBEDDING_DIM))
    vae, encoder, decoder = build_vae(latent_dim=latent_dim, seed=demo.options.seed)
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE))
    from demos.epoch_pictures import EpochPictures

    fixed = np.random.default_rng(demo.options.seed + 1).standard_normal(
        (int(np.prod(EPOCH_GRID)), latent_dim)
    )

    def draw(path: Any) -> Any:
        decoded = np.asarray(decoder.predict(fixed.astype("float32"), verbose=0))
        return mosaic(decoded, path, columns=EPOCH_GRID[1])

    demo.fit(vae, x_train, validation_data=(x_test, x_test), callbacks=[EpochPictures(demo, draw)])
    test = vae.evaluate(x_test, x_test, batch_size=500, verbose=0, return_dict=True)
    metrics = {f"test_{name}": float(value) for name, value in test.items()}
    if data.y_train is not None and data.y_test is not None:
        train_means = np.asarray(encoder.predict(x_train, batch_size=500, verbose=0)[0])
        test_means = np.asarray(encoder.predict(x_test, batch_size=500, verbose=0)[0])
        metrics["knn5_accuracy"] = lesson_metrics.knn_accuracy(
            train_means, data.y_train, test_means, data.y_test, k=NEIGHBOURS
        )

    examples = x_test[:LATENT_PLOT_EXAMPLES]
    z_mean, _, _ = encoder.predict(examples, batch_size=500, verbose=0)
    reconstructions = np.asarray(decoder.predict(np.asarray(z_mean)[:10], verbose=0))
    rng = np.random.default_rng(demo.options.seed)
    points = rng.standard_normal((int(np.prod(SAMPLE_GRID)), latent_dim)).astype("float32")
    samples = np.asarray(decoder.predict(points, verbose=0))
    # The book's 2-D space as it is; a larger one on its means' principal plane.
    plane = [np.asarray(z_mean), points]
    if latent_dim != EMBEDDING_DIM:
        plane = principal_plane(*plane)
    write_latent_artifacts(
        demo,
        data,
        embeddings=plane[0],
        reconstructions=reconstructions,
        samples=samples,
        sample_points=plane[1],
        sample_title="Decoded samples of z ~ N(0, I)",
    )
    if latent_dim != EMBEDDING_DIM:
        # Redrawn under a title that says what the plane is (the shared one says "2-D").
        latent_scatter(
            plane[0],
            demo.out_dir / "latent_space.png",
            labels=None if data.y_test is None else data.y_test[: len(plane[0])],
            class_names=data.class_names,
            title=f"vae: {latent_dim}-D latent means of {data.name} test images, on their "
            "first two principal components",
            highlight=plane[1],
        )
    return metrics


SPEC = DemoSpec(demo_by_module(__spec__.name), train=train, add_arguments=add_arguments)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
