"""Chapter 6 demo: the book's RealNVP normalizing flow on the two-moons dataset.

    python -m demos.realnvp [--quick] [--data auto|offline|PATH] ...

The data is the book's own: 30,000 points of `sklearn.datasets.make_moons` (noise 0.05),
standardised, generated on the spot in every `--data` mode except a PATH, which takes a `.npy`
or `.csv` file of 2-D points instead. 3,000 more points, drawn with another seed, are the test
set (a PATH keeps its last 10% for testing).

A flow is an invertible map f from data x to a latent z with a tractable Jacobian, so the exact
log-likelihood is log p(x) = log N(f(x); 0, I) + log |det df/dx|. RealNVP builds f from affine
coupling layers: the coordinates under a mask pass through unchanged and parameterise a scale s
and a translation t for the others, z = x_masked + (1 - mask) * (x - t) * exp(-s). The Jacobian
is triangular, so log |det| is simply -sum(s). Masks alternate between the two coordinates.

As in the book's notebook: 2 coupling layers, each with two 4-layer Dense(256, relu) networks
for s (tanh output) and t (linear output); Adam 1e-4, batch 256, 300 epochs; the loss is the
negative log-likelihood. (An earlier version of this demo used 6 coupling layers and 3,000
points while calling itself the book's; the lesson, `--lesson`, trains the book's model on
fewer points for fewer epochs.) The loss is a `compute_loss` in `keras.ops`, so Keras' own
train step differentiates it on any backend. (The book declares an L2 penalty of 0.01 on the
coupling layers, but its hand-written train step only differentiates the log-likelihood, so
the penalty never reaches the gradients; it is left out here rather than change what the book
actually trains.)

Artifacts: `data_and_latent.png` (the data and its image f(x) in latent space, side by side),
`samples.png` (z ~ N(0, I) and its image g(z) = f^-1(z) in data space), `samples.npy`, and
`epochs/` (the same 3,000 latent points mapped to data space before training and after each
epoch, as a density picture).

The lesson metric, `nll_gain`, is the test negative log-likelihood (nats per point, in the
standardised coordinates) of one Gaussian fitted to the training points minus the flow's: how
much more the flow knows about the moons than their mean and covariance. The lesson asks for
0.3 nats per point.
keras is imported inside the functions: the entry point sets KERAS_BACKEND first.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from demos import lesson_metrics
from demos.data import DatasetUnavailable
from demos.device_runtime import replica_share
from demos.entrypoint import DemoSpec, TrainingRun, run
from demos.figures import density_image, point_clouds
from studyapp.demos.catalogue import demo_by_module
from studyapp.demos.protocol import DatasetEvent

DATA_POINTS = 30_000
TEST_POINTS = 3000
#: Share of a PATH's points kept for testing.
TEST_FRACTION = 0.1
MOONS_NOISE = 0.05
COUPLING_LAYERS = 2
COUPLING_DIM = 256
LEARNING_RATE = 1e-4
SAMPLES = 3000


def check_points(data: str) -> None:
    """make_moons needs scikit-learn; a PATH must be a .npy or .csv of points."""
    if data in ("auto", "offline"):
        import importlib.util

        if importlib.util.find_spec("sklearn") is None:
            raise DatasetUnavailable(
                "the two-moons data needs scikit-learn: pip install scikit-learn"
            )
        return
    path = Path(data)
    if not path.is_file() or path.suffix.lower() not in (".npy", ".csv"):
        raise DatasetUnavailable(
            f"--data {data}: realnvp takes a .npy or .csv file of 2-D points (one per row)"
        )


def load_points(data: str, seed: int) -> tuple[np.ndarray, np.ndarray, DatasetEvent]:
    """(training points N×2 float32, test points, the dataset event)."""
    if data in ("auto", "offline"):
        from sklearn.datasets import make_moons

        points, _ = make_moons(n_samples=DATA_POINTS, noise=MOONS_NOISE, random_state=seed)
        test, _ = make_moons(n_samples=TEST_POINTS, noise=MOONS_NOISE, random_state=seed + 1)
        name, title, source = "make_moons", "two moons (sklearn.datasets.make_moons)", "generated"
    else:
        path = Path(data)
        if path.suffix.lower() == ".npy":
            points = np.load(path)
        else:
            points = np.loadtxt(path, delimiter=",", ndmin=2)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) < 10:
            raise DatasetUnavailable(
                f"--data {data}: expected at least 10 N×2 points, got {points.shape}"
            )
        cut = len(points) - max(1, round(len(points) * TEST_FRACTION))
        points, test = points[:cut], points[cut:]
        name, title, source = path.stem, f"2-D points from {path}", "path"
    points, test = np.asarray(points, dtype="float32"), np.asarray(test, dtype="float32")
    return (
        points,
        test,
        DatasetEvent(
            name,
            source,
            {
                "x_train": list(points.shape),
                "y_train": None,
                "x_test": list(test.shape),
                "y_test": None,
            },
            title=title,
        ),
    )


def build_realnvp(
    input_dim: int = 2,
    coupling_layers: int = COUPLING_LAYERS,
    coupling_dim: int = COUPLING_DIM,
    dtype: str = "float32",
) -> Any:
    """The flow: `model(x)` returns (z, log_det) of f; `model.inverse(z)` returns x.

    `dtype` is float32 whatever the global policy: exp(s) and the log-determinant are where
    float16 loses the likelihood, and a 2-D flow gains nothing from mixed precision (the tests
    use float64 to compare the log-determinant with finite differences).
    """
    import keras
    from keras import layers, ops

    def coupling(index: int) -> Any:
        inputs = keras.Input(shape=(input_dim,), dtype=dtype)
        s = t = inputs
        for _ in range(4):
            s = layers.Dense(coupling_dim, activation="relu", dtype=dtype)(s)
            t = layers.Dense(coupling_dim, activation="relu", dtype=dtype)(t)
        s = layers.Dense(input_dim, activation="tanh", dtype=dtype)(s)
        t = layers.Dense(input_dim, activation="linear", dtype=dtype)(t)
        return keras.Model(inputs, [s, t], name=f"coupling_{index}")

    class RealNVP(keras.Model):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            # Alternate which coordinate passes through unchanged.
            self.masks = np.array([[0, 1], [1, 0]] * (coupling_layers // 2), dtype="float32")
            self.layers_list = [coupling(i) for i in range(coupling_layers)]
            self.log_likelihood_tracker = keras.metrics.Mean(name="log_likelihood")

        def _flow(self, x: Any, direction: int, training: bool) -> tuple[Any, Any]:
            """direction -1: data -> latent (f); +1: latent -> data (f^-1). The book's loop."""
            log_det = ops.zeros(ops.shape(x)[:1], dtype=x.dtype)
            order = range(coupling_layers)
            for i in reversed(order) if direction == -1 else order:
                mask = ops.convert_to_tensor(self.masks[i], dtype=x.dtype)
                x_masked = x * mask
                reversed_mask = 1.0 - mask
                s, t = self.layers_list[i](x_masked, training=training)
                s, t = s * reversed_mask, t * reversed_mask
                gate = (direction - 1) / 2  # 0 forward (to data), -1 backward (to latent)
                x = (
                    reversed_mask * (x * ops.exp(direction * s) + direction * t * ops.exp(gate * s))
                    + x_masked
                )
                log_det = log_det + gate * ops.sum(s, axis=1)
            return x, log_det

        def call(self, x: Any, training: bool = False) -> tuple[Any, Any]:
            return self._flow(x, -1, training)

        def inverse(self, z: Any) -> Any:
            return self._flow(z, 1, False)[0]

        def log_likelihood(self, z: Any, log_det: Any) -> Any:
            gaussian = -0.5 * ops.sum(ops.square(z), axis=1) - 0.5 * input_dim * np.log(2 * np.pi)
            return gaussian + log_det

        def compute_loss(
            self,
            x: Any = None,
            y: Any = None,
            y_pred: Any = None,
            sample_weight: Any = None,
            training: bool = True,
        ) -> Any:
            z, log_det = y_pred
            log_likelihood = ops.mean(self.log_likelihood(z, log_det))
            self.log_likelihood_tracker.update_state(log_likelihood)
            # Each replica's share of the mean under tf.distribute (`demos.device_runtime`).
            return replica_share(-log_likelihood)

    model = RealNVP(name="realnvp", dtype=dtype)
    model(ops.zeros((1, input_dim), dtype=dtype))  # build the coupling networks
    return model


def forward_numpy(model: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(z, log |det df/dx|) for points x, as numpy arrays."""
    z, log_det = model(np.asarray(x, dtype=model.dtype_policy.variable_dtype), training=False)
    return np.asarray(z), np.asarray(log_det)


def train(demo: TrainingRun) -> dict[str, float]:
    import keras

    options = demo.options
    points, test_points, dataset = load_points(options.data, options.seed)
    mean, std = points.mean(axis=0), points.std(axis=0) + 1e-6
    normalised = (points - mean) / std
    test = (test_points - mean) / std
    if options.max_steps_per_epoch is not None:
        normalised = normalised[: options.max_steps_per_epoch * options.batch_size]
        dataset = replace(dataset, shapes={**dataset.shapes, "x_train": list(normalised.shape)})
    demo.events.write(dataset)

    model = build_realnvp()
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), jit_compile=demo.plan.jit_compile)
    from demos.epoch_pictures import EpochPictures

    fixed = np.random.default_rng(options.seed + 1).standard_normal((SAMPLES, 2))

    def draw(path: Path) -> Path:
        return density_image(np.asarray(model.inverse(fixed.astype("float32"))), path)

    history = demo.fit(model, normalised, callbacks=[EpochPictures(demo, draw)])

    z, log_det = forward_numpy(model, normalised)
    log_likelihood = float(np.mean(np.asarray(model.log_likelihood(z, log_det))))
    test_z, test_log_det = forward_numpy(model, test)
    test_nll = -float(np.mean(np.asarray(model.log_likelihood(test_z, test_log_det))))
    gaussian_nll = lesson_metrics.gaussian_nll(normalised, test)
    demo.artifact(
        "latent-space",
        point_clouds(
            [("data space x (standardised)", normalised), ("latent space z = f(x)", z)],
            demo.out_dir / "data_and_latent.png",
            title=f"RealNVP after {options.epochs} epoch(s): the data and its image in latent "
            "space",
            colors=normalised[:, 0],
        ),
    )
    rng = np.random.default_rng(options.seed)
    latent = rng.standard_normal((SAMPLES, 2)).astype("float32")
    generated = np.asarray(model.inverse(latent))
    np.save(demo.out_dir / "samples.npy", generated)
    demo.artifact(
        "samples",
        point_clouds(
            [("latent samples z ~ N(0, I)", latent), ("generated x = f⁻¹(z)", generated)],
            demo.out_dir / "samples.png",
            title="RealNVP samples: Gaussian noise mapped back to data space",
            colors=latent[:, 0],
        ),
    )
    demo.artifact("samples-array", demo.out_dir / "samples.npy")
    return {
        "loss": float(history.history["loss"][-1]),
        "log_likelihood": log_likelihood,
        "test_nll": test_nll,
        "gaussian_nll": gaussian_nll,
        "nll_gain": gaussian_nll - test_nll,
    }


SPEC = DemoSpec(
    demo_by_module(__spec__.name),
    train=train,
    check_data=check_points,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
