"""Generated part titles read as the book they belong to."""

from __future__ import annotations

import pytest

from studyapp.domain.book_title import book_title, natural_key


@pytest.mark.parametrize(
    ("raw", "display", "part"),
    [
        ("2A012---Reinforcement-Learning_processed (Part 17)", "Reinforcement Learning", 17),
        ("2A012---Reinforcement-Learning_processed (Part 1)", "Reinforcement Learning", 1),
        ("Streaming_Systems_processed", "Streaming Systems", None),
        ("Design Patterns in C++ (part 3)", "Design Patterns in C++", 3),
        ("Generative Deep Learning", "Generative Deep Learning", None),
        ("---", "---", None),
    ],
)
def test_book_title(raw: str, display: str, part: int | None) -> None:
    title = book_title(raw)
    assert (title.display, title.part) == (display, part)


def test_parts_of_one_book_share_a_key() -> None:
    keys = {book_title(f"2A012---Reinforcement-Learning_processed (Part {n})").key for n in (1, 17)}
    assert len(keys) == 1


def test_natural_order() -> None:
    names = ["Part 10", "Part 2", "Part 1", None, "Chapter 9", "Chapter 10"]
    assert sorted(names, key=natural_key) == [
        "Chapter 9",
        "Chapter 10",
        "Part 1",
        "Part 2",
        "Part 10",
        None,
    ]
