"""A generated book is judged whole for automatic demo links: small part files of a C++ book
each pass the per-file subject test (under 20 cards), but the book as a whole never mentions
machine learning, so its cards lose their automatic links; an ML book cut the same way keeps
them, and an explicit `demo:` link stays in either."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from db.models import Card, DemoLink
from studyapp.store.library import import_paths
from studyapp.store.opening import Store

CPP = [
    ("How do you clip a value into a range?", "std::clamp clips it to [lo, hi]."),
    ("What does a Singleton guarantee?", "One instance, reached through a static accessor."),
    ("Why prefer std::unique_ptr?", "It owns the object and frees it exactly once."),
    ("What is RAII?", "Resources are tied to object lifetime: acquired in the constructor."),
    ("What does std::move do?", "It casts to an rvalue so the object may be moved from."),
    ("How do you clip a rectangle to the window?", "Intersect it with the window's bounds."),
    ("What is a virtual destructor for?", "Deleting a derived object through a base pointer."),
    ("What is the rule of five?", "Define all five special members or none."),
]
ML = [
    ("What does a GAN's discriminator learn?", "To tell real images from generated ones."),
    ("Why does deep learning need a loss function?", "Gradient descent minimises it."),
    ("What is mode collapse?", "The generator produces only a few kinds of output."),
    ("What is the latent space of a VAE?", "The space of codes the decoder maps to images."),
    ("What do neural networks learn?", "Weights that turn inputs into useful features."),
    ("What is a DCGAN?", "A GAN whose networks are convolutional."),
    ("Why train a GAN with Adam?", "Adaptive steps keep both networks moving."),
    ("What does a CNN's filter detect?", "A local pattern, wherever it appears."),
]


def write_parts(folder: Path, stem: str, cards: list[tuple[str, str]], parts: int) -> None:
    """`parts` part files of one generated book, each with every card of `cards`."""
    folder.mkdir(parents=True, exist_ok=True)
    for part in range(1, parts + 1):
        lines = [f"# Flashcards: {stem} (Part {part})", "", f"**Starting Chapter:** Part {part}"]
        for n, (question, answer) in enumerate(cards):
            lines += ["", "---", "", f"#### Card {part}.{n}", f":p {question} ({part}.{n})"]
            lines += ["??x", answer, "x??"]
        (folder / f"{stem} (Part {part}).md").write_text("\n".join(lines) + "\n")


def automatic_links(store: Store) -> list[tuple[str, str]]:
    with store.sessions() as session:
        rows = session.execute(
            select(Card.question, DemoLink.demo_name)
            .join(DemoLink, DemoLink.card_id == Card.id)
            .where(DemoLink.explicit.is_(False))
        ).all()
    return [(question, demo) for question, demo in rows]


def test_one_small_part_alone_links_on_its_cards(store: Store, tmp_path: Path) -> None:
    """The per-file test alone: the failure the whole-book judgement exists for."""
    write_parts(tmp_path / "cpp", "9Z1---Modern-Cpp-Design_processed", CPP, 1)
    import_paths(store.sessions, [tmp_path / "cpp"], dt.datetime(2026, 12, 2, tzinfo=dt.UTC))
    assert {demo for _question, demo in automatic_links(store)} == {"clip"}


def test_an_off_subject_book_of_small_parts_links_nothing(store: Store, tmp_path: Path) -> None:
    now = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    cpp = tmp_path / "cpp"
    write_parts(cpp, "9Z1---Modern-Cpp-Design_processed", CPP, 3)
    part_two = cpp / "9Z1---Modern-Cpp-Design_processed (Part 2).md"
    part_two.write_text(
        part_two.read_text()
        + "\n---\n\n#### Linked by hand\n:p Which demo shows a VAE?\n??x\n"
        + "[This one](demo:vae)\nx??\n"
    )
    write_parts(tmp_path / "ml", "4B2---Generative-Models_processed", ML, 3)
    import_paths(store.sessions, [cpp, tmp_path / "ml"], now)
    linked = automatic_links(store)
    assert linked, "the ML book keeps its automatic links"
    assert not [q for q, _demo in linked if "clip" in q or "Singleton" in q], linked
    with store.sessions() as session:
        explicit = session.scalars(select(DemoLink.demo_name).where(DemoLink.explicit)).all()
    assert explicit == ["vae"]
    # A part edited later is judged with the rest of its book, not alone.
    part_one = cpp / "9Z1---Modern-Cpp-Design_processed (Part 1).md"
    part_one.write_text(
        part_one.read_text() + "\n---\n\n#### More\n:p Clip a line?\n??x\nYes.\nx??\n"
    )
    import_paths(store.sessions, [cpp], now)
    assert not [q for q, _demo in automatic_links(store) if "lip" in q]
