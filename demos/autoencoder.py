"""Chapter 3 demo: the book's convolutional autoencoder with a 2-D latent space, on Fashion-MNIST.

    python -m demos.autoencoder [--quick] [--data auto|offline|PATH] ...

Fashion-MNIST padded to 32×32×1 and scaled to [0, 1]. Encoder: three Conv2D (32, 64, 128
filters, kernel 3, stride 2, relu) -> Flatten -> Dense 2. Decoder: Dense -> Reshape 4×4×128 ->
three Conv2DTranspose (128, 64, 32, stride 2, relu) -> Conv2D 1 sigmoid. Adam, binary
cross-entropy, batch 100, 3 epochs, as in the book.

Artifacts: `reconstructions.png` (test images above their reconstructions), `samples.png`
(decodings of points drawn uniformly from the embedding's bounding box, the book's way of
showing why a plain autoencoder is a poor generator), `latent_space.png` (the test set's
embeddings coloured by class, the sampled points highlighted) and `epochs/` (the same ten test
images reconstructed before training and after each epoch).

The lesson metric, `mse_ratio`, is the test reconstruction's mean squared error divided by that
of predicting the mean training image for every test image: below 1 the code carries something
about each image; the lesson asks for at most 0.5. The book's 2-D code levels off near 0.65 on
the offline digits (the best linear 2-D code, their first two principal components, scores
about 0.83), so the lesson trains a 16-D code (`--latent-dim 16`; the default is the book's 2),
samples it the book's way (uniformly in the code's bounding box) and draws its latent scatter
on the test codes' first two principal components.

The decoder and the artifact code are shared with `demos.vae`. keras is imported inside the
functions: the entry point sets KERAS_BACKEND before the first keras import.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from demos import lesson_metrics
from demos.data import ImageData
from demos.entrypoint import DemoSpec, TrainingRun, run
from demos.figures import image_grid, latent_scatter, mosaic
from demos.options import positive_int
from studyapp.demos.catalogue import demo_by_module

IMAGE_SHAPE = (32, 32, 1)
EMBEDDING_DIM = 2
#: Feature-map shape where the encoder flattens and the decoder un-flattens (32 / 2**3 = 4).
SHAPE_BEFORE_FLATTENING = (4, 4, 128)
#: How many test images the latent-space plot shows (the book uses 5,000).
LATENT_PLOT_EXAMPLES = 5000
SAMPLE_GRID = (3, 6)  # rows, columns: the book's 6×3 grid of decoded samples


def add_latent_dim_argument(parser: argparse.ArgumentParser, what: str, points: str) -> None:
    """`--latent-dim`, shared with `demos.vae`: `what` the latent is called, `points` what the
    scatter draws."""
    parser.add_argument(
        "--latent-dim",
        type=positive_int,
        default=EMBEDDING_DIM,
        help=f"size of the {what} (default {EMBEDDING_DIM}, the book's; the lesson trains 16, "
        f"and draws the latent scatter as the {points}' first two principal components)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_latent_dim_argument(parser, "code", "codes")


def scale_images(images: np.ndarray) -> np.ndarray:
    """uint8 0..255 -> float32 0..1 (the decoder ends in a sigmoid)."""
    return images.astype("float32") / 255.0


def build_encoder(
    image_shape: tuple[int, int, int] = IMAGE_SHAPE, latent_dim: int = EMBEDDING_DIM
) -> Any:
    import keras
    from keras import layers

    inputs = keras.Input(shape=image_shape, name="encoder_input")
    x = inputs
    for filters in (32, 64, 128):
        x = layers.Conv2D(filters, 3, strides=2, activation="relu", padding="same")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(latent_dim, name="encoder_output", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="encoder")


def build_decoder(channels: int = IMAGE_SHAPE[-1], latent_dim: int = EMBEDDING_DIM) -> Any:
    """The decoder of the book's autoencoder and VAE: a 2-D (`latent_dim`) point to a 32×32
    image."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(latent_dim,), name="decoder_input")
    x = layers.Dense(int(np.prod(SHAPE_BEFORE_FLATTENING)))(inputs)
    x = layers.Reshape(SHAPE_BEFORE_FLATTENING)(x)
    for filters in (128, 64, 32):
        x = layers.Conv2DTranspose(filters, 3, strides=2, activation="relu", padding="same")(x)
    # float32 output under a mixed policy: the cross-entropy of a float16 sigmoid saturates.
    outputs = layers.Conv2D(
        channels, 3, padding="same", activation="sigmoid", name="decoder_output", dtype="float32"
    )(x)
    return keras.Model(inputs, outputs, name="decoder")


def build_autoencoder(latent_dim: int = EMBEDDING_DIM) -> tuple[Any, Any, Any]:
    """(autoencoder, encoder, decoder), with a code of `latent_dim` numbers."""
    import keras

    encoder = build_encoder(latent_dim=latent_dim)
    decoder = build_decoder(latent_dim=latent_dim)
    inputs = keras.Input(shape=IMAGE_SHAPE)
    return keras.Model(inputs, decoder(encoder(inputs)), name="autoencoder"), encoder, decoder


def reconstruction_pictures(demo: TrainingRun, model: Any, images: np.ndarray) -> Any:
    """A callback drawing `images` (the first ten test images) above `model`'s reconstructions
    of them before training and after every epoch (`demos.epoch_pictures`)."""
    from demos.epoch_pictures import EpochPictures

    shown = images[:10]

    def draw(path: Any) -> Any:
        reconstructed = np.asarray(model.predict(shown, verbose=0))
        if isinstance(reconstructed, list | tuple):  # the VAE returns (z_mean, z_log_var, x)
            reconstructed = reconstructed[-1]
        return mosaic(np.concatenate([shown, reconstructed]), path, columns=len(shown))

    return EpochPictures(demo, draw, name="reconstructions")


def reconstruction_metrics(
    x_train: np.ndarray, x_test: np.ndarray, reconstructions: np.ndarray
) -> dict[str, float]:
    """The test MSE, the MSE of predicting the mean training image, and their ratio."""
    test_mse = lesson_metrics.mse(x_test, reconstructions)
    baseline = lesson_metrics.mean_image_mse(x_train, x_test)
    return {
        "test_mse": test_mse,
        "mean_image_mse": baseline,
        "mse_ratio": lesson_metrics.ratio(test_mse, baseline),
    }


def write_latent_artifacts(
    demo: TrainingRun,
    data: ImageData,
    *,
    embeddings: np.ndarray,
    reconstructions: np.ndarray,
    samples: np.ndarray,
    sample_points: np.ndarray,
    sample_title: str,
    latent_title: str | None = None,
) -> None:
    """Write and announce reconstructions.png, samples.png and latent_space.png (titled
    `latent_title`, by default as a 2-D latent space)."""
    shown = min(10, len(reconstructions))
    originals = scale_images(data.x_test[:shown])
    pairs = np.concatenate([originals, reconstructions[:shown]])
    demo.artifact(
        "reconstructions",
        image_grid(
            pairs,
            demo.out_dir / "reconstructions.png",
            columns=shown,
            title="Test images (top) and their reconstructions (bottom)",
        ),
    )
    demo.artifact(
        "samples",
        image_grid(
            samples, demo.out_dir / "samples.png", columns=SAMPLE_GRID[1], title=sample_title
        ),
    )
    labels = None if data.y_test is None else data.y_test[: len(embeddings)]
    demo.artifact(
        "latent-space",
        latent_scatter(
            embeddings,
            demo.out_dir / "latent_space.png",
            labels=labels,
            class_names=data.class_names,
            title=latent_title
            or f"{demo.options.demo}: 2-D latent space of {data.name} test images",
            highlight=sample_points,
        ),
    )


def train(demo: TrainingRun) -> dict[str, float]:
    import keras

    data = demo.load_images(IMAGE_SHAPE, labelled=None)
    x_train, x_test = scale_images(data.x_train), scale_images(data.x_test)
    latent_dim = int(demo.options.extra.get("latent_dim", EMBEDDING_DIM))
    autoencoder, encoder, decoder = build_autoencoder(latent_dim)
    autoencoder.compile(optimizer=keras.optimizers.Adam(), loss="binary_crossentropy")
    demo.fit(
        autoencoder,
        x_train,
        x_train,
        validation_data=(x_test, x_test),
        callbacks=[reconstruction_pictures(demo, autoencoder, x_test)],
    )
    test_loss = float(autoencoder.evaluate(x_test, x_test, batch_size=500, verbose=0))
    reconstructed = np.asarray(autoencoder.predict(x_test, batch_size=500, verbose=0))

    examples = x_test[:LATENT_PLOT_EXAMPLES]
    embeddings = np.asarray(encoder.predict(examples, batch_size=500, verbose=0))
    reconstructions = np.asarray(decoder.predict(embeddings[:10], verbose=0))
    # The book samples uniformly inside the embeddings' bounding box.
    rng = np.random.default_rng(demo.options.seed)
    points = rng.uniform(
        embeddings.min(axis=0),
        embeddings.max(axis=0),
        size=(int(np.prod(SAMPLE_GRID)), latent_dim),
    ).astype("float32")
    samples = np.asarray(decoder.predict(points, verbose=0))
    # The book's 2-D code as it is; a wider one on its test codes' principal plane.
    plane, title = [embeddings, points], None
    if latent_dim != EMBEDDING_DIM:
        from demos.vae import principal_plane

        plane = principal_plane(embeddings, points)
        title = (
            f"{demo.options.demo}: {latent_dim}-D codes of {data.name} test images, on their "
            "first two principal components"
        )
    write_latent_artifacts(
        demo,
        data,
        embeddings=plane[0],
        reconstructions=reconstructions,
        samples=samples,
        sample_points=plane[1],
        sample_title="Decoded points drawn uniformly from the latent bounding box",
        latent_title=title,
    )
    return {"test_loss": test_loss, **reconstruction_metrics(x_train, x_test, reconstructed)}


SPEC = DemoSpec(demo_by_module(__spec__.name), train=train, add_arguments=add_arguments)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
