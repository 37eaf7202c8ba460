"""Several devices, and what happens when compiled training fails.

* Data parallelism on a machine without GPUs: `STUDYAPP_TEST_LOGICAL_CPUS=2` (a variable only
  tests set) splits the CPU into two logical TensorFlow devices, and `--devices 2` trains one
  model over both with `tf.distribute.MirroredStrategy`, exactly the path several GPUs take.
* A real XLA compilation failure (an op XLA cannot compile) makes the demo start again without
  compiling, after a second `device` event that says `jit: false` and why.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from demos.device import LOGICAL_CPUS_ENV

Runner = Callable[..., Any]


@pytest.mark.slow
def test_two_logical_devices_train_one_model_in_data_parallel(
    keras_home: Path, tmp_path: Path, run_python: Runner, demo_env: Runner
) -> None:
    env = demo_env(keras_home, **{LOGICAL_CPUS_ENV: "2", "KERAS_MAX_STEPS_PER_EPOCH": "15"})
    argv = ["-m", "demos.mlp_cifar10", "--devices", "2", "--epochs", "2", "--data", "offline"]
    argv += ["--batch-size", "16", "--out", str(tmp_path / "out")]
    result = run_python(argv, env=env, timeout=600)

    assert result.returncode == 0, result.describe()
    (device,) = result.of_type("device")
    assert device["replicas"] == 2 and device["devices"] == ["CPU:0", "CPU:1"]
    assert device["fallback"] is None
    assert device["batch_size"] == 32 and device["per_replica_batch_size"] == 16
    assert device["learning_rate_scale"] == pytest.approx(math.sqrt(2), abs=1e-6)
    first, second = result.of_type("epoch")
    assert first["steps_done"] == 15 and second["steps_done"] == 30
    # The loss Keras reports is the mean over both replicas (each one's share added up): a
    # wrongly scaled replica loss would show as about twice ln(10) here.
    assert first["loss"] < 2.4
    assert second["loss"] < first["loss"], (first["loss"], second["loss"])
    assert second["logs"]["val_loss"] < 2.3


FAILING_DEMO = """
import sys

from demos.entrypoint import DemoSpec, run
from studyapp.demos.catalogue import demo_by_name


def train(demo):
    import keras
    import numpy as np
    import tensorflow as tf

    class OnTheHost(keras.layers.Layer):
        # A numpy function: fine in a tf.function, impossible to compile with XLA.
        def call(self, x):
            y = tf.numpy_function(lambda a: a * 2.0, [x], tf.float32, stateful=False)
            return tf.ensure_shape(y, x.shape)

    inputs = keras.Input((4,))
    hidden = OnTheHost(dtype="float32")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, dtype="float32")(hidden))
    model.compile(optimizer="adam", loss="mse")
    x = np.ones((64, 4), dtype="float32")
    history = demo.fit(model, x, x[:, :1])
    policy = keras.mixed_precision.global_policy().name
    return {"loss": float(history.history["loss"][-1]), "bf16": float(policy == "mixed_bfloat16")}


SPEC = DemoSpec(demo_by_name("mlp-cifar10"), train=train)
sys.exit(run(SPEC, sys.argv[1:]))
"""


@pytest.mark.slow
def test_a_compilation_failure_retries_once_without_jit_and_says_why(
    keras_home: Path, tmp_path: Path, run_python: Runner, demo_env: Runner
) -> None:
    program = tmp_path / "failing_demo.py"
    program.write_text(textwrap.dedent(FAILING_DEMO), encoding="utf-8")

    argv = [str(program), "--jit", "on", "--precision", "mixed_bfloat16", "--batch-size", "16"]
    argv += ["--epochs", "1", "--data", "offline", "--out", str(tmp_path / "out")]
    result = run_python(argv, env=demo_env(keras_home), timeout=600)

    assert result.returncode == 0, result.describe()
    compiled, plain = result.of_type("device")
    assert compiled["jit"] is True and compiled["fallback"] is None
    assert plain["jit"] is False
    assert plain["fallback"].startswith("compiled training failed (")
    assert plain["fallback"].endswith("trained without jit")
    assert plain["jit_reason"] == plain["fallback"]
    (epoch,) = result.of_type("epoch")
    assert epoch["jit"] is False and epoch["steps_done"] == 4
    (done,) = result.of_type("done")
    # The second attempt trains in the precision asked for, like the first.
    assert plain["precision"] == "mixed_bfloat16" and done["metrics"]["bf16"] == 1.0
    assert [e["event"] for e in result.events][-1] == "done"
