"""Which demos a card's text is about: the catalogue's keywords matched against the text.

A card is linked only on strong evidence (the rules in `linking.toml`): a `strong` term
naming a model or its signature mechanism, or at least two distinct topic keywords of one
demo; `generic` training words (optimizer, learning rate, softmax...) never count. Only the
best demo is linked, the card's own chapter first; and a whole deck is linked only when it
is about the subject (`link_deck`), so a C++ or streaming-systems book links nothing.

A keyword matches whole words only ("gan" must not match "organ"), case-insensitively; a space
or hyphen inside a phrase matches any run of spaces and hyphens ("batch-normalization",
"batch  normalization"); and an English plural or possessive still matches ("filters",
"GAN's"). Importing a deck matches every card against every keyword, so the work is arranged
to be cheap: an index of the keywords' first words leaves a few candidates per card, one-word
keywords are set lookups, and only phrases run a regular expression.

Standard library only (it runs on import, in the app's process); never imports keras,
tensorflow, numpy or the `demos` programs.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

from studyapp.demos.catalogue import CATALOGUE_FILE, all_demos, chapter_titles

LINKING_FILE = CATALOGUE_FILE.with_name("linking.toml")

_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"[\w-]+")
_SEPARATORS = re.compile(r"[\s-]+")


@dataclass(frozen=True, slots=True)
class LinkingRules:
    strong: frozenset[str]
    generic: frozenset[str]
    subject: tuple[str, ...]
    min_topic_keywords: int
    subject_deck_min_cards: int
    subject_min_terms: int


@cache
def linking_rules() -> LinkingRules:
    with LINKING_FILE.open("rb") as handle:
        raw = tomllib.load(handle)
    return LinkingRules(
        strong=frozenset(k.lower() for k in raw["strong"]),
        generic=frozenset(k.lower() for k in raw["generic"]),
        subject=tuple(k.lower() for k in raw["subject"]),
        min_topic_keywords=int(raw["min_topic_keywords"]),
        subject_deck_min_cards=int(raw["subject_deck_min_cards"]),
        subject_min_terms=int(raw["subject_min_terms"]),
    )


def _counted(keyword: str) -> bool:
    return keyword.lower() not in linking_rules().generic


@cache
def _keyword_index() -> dict[str, frozenset[str]]:
    """Each form of a keyword's first word (as written, +s, +es) → the keywords it starts."""
    index: dict[str, set[str]] = {}
    for demo in all_demos():
        for keyword in filter(_counted, demo.keywords):
            first = _WORD.findall(keyword.lower())[0]
            for form in (first, f"{first}s", f"{first}es"):
                index.setdefault(form, set()).add(keyword)
    return {form: frozenset(keywords) for form, keywords in index.items()}


@cache
def _keyword_owners() -> dict[str, tuple[tuple[int, str], ...]]:
    """Each keyword → the demos (book order, name) that list it."""
    owners: dict[str, list[tuple[int, str]]] = {}
    for order, demo in enumerate(all_demos()):
        for keyword in dict.fromkeys(filter(_counted, demo.keywords)):
            owners.setdefault(keyword, []).append((order, demo.name))
    return {keyword: tuple(demos) for keyword, demos in owners.items()}


@cache
def _single_word_forms(keyword: str) -> frozenset[str]:
    """For a one-word keyword, the tokens it matches (word, +s, +es); else empty."""
    parts = _SEPARATORS.split(keyword.strip().lower())
    if len(parts) != 1:
        return frozenset()
    return frozenset((parts[0], f"{parts[0]}s", f"{parts[0]}es"))


@cache
def _phrase_pattern(keyword: str) -> re.Pattern[str]:
    """A phrase keyword as a pattern over lower-cased text, with its plural or possessive
    ending and the word boundary after it. The boundary before it is `_phrase_occurs`'s check:
    a pattern that starts with a literal lets the regex engine scan for it, many times faster
    than a leading look-behind."""
    words = [re.escape(word) for word in _SEPARATORS.split(keyword.strip().lower()) if word]
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


def found_keywords(lowered: str) -> set[str]:
    """The (counted) catalogue keywords that occur in lower-cased text."""
    index = _keyword_index()
    words = set(_WORD.findall(lowered))
    candidates: set[str] = set()
    # The set intersection runs in C; most of a card's words are in no keyword at all.
    for word in index.keys() & words:
        candidates.update(index[word])
    # A one-word keyword matches exactly when a whole hyphen-free token is the word or its
    # plural, which a set lookup answers; phrases still need their pattern.
    tokens = set(_TOKEN.findall(lowered)) if candidates else set()
    found = set()
    for keyword in candidates:
        forms = _single_word_forms(keyword)
        if forms:
            hit = not forms.isdisjoint(tokens)
        else:  # every word of the phrase must be there before its pattern is worth running
            hit = _phrase_words(keyword) <= words and _phrase_occurs(keyword, lowered)
        if hit:
            found.add(keyword)
    return found


# "Chapter 4:", "Ch. 4 -", "4." before a chapter's title, and "(GANs)" after it.
_CHAPTER_NUMBER = re.compile(r"^\s*(?:chapter|ch\.?)?\s*\d+\s*[:.\-–—]?\s*")
_ASIDE = re.compile(r"\s*\([^)]*\)\s*$")


def own_chapter_demos(chapter: str | None) -> frozenset[str]:
    """The demos of the card's own chapter: those whose book chapter's title ("Deep
    Learning", "Variational Autoencoders") the card's chapter heading is, give or take its
    number and an aside in brackets ("Chapter 4: Generative Adversarial Networks (GANs)").
    A heading that only contains a title ("Deep Learning for Value Functions" in a
    reinforcement-learning book) is another book's chapter."""
    if not chapter:
        return frozenset()
    topic = _ASIDE.sub("", _CHAPTER_NUMBER.sub("", chapter.lower())).strip(" .:-–—")
    return frozenset(name for name, title in _chapter_titles().items() if title == topic)


@cache
def _chapter_titles() -> dict[str, str]:
    titles = chapter_titles()
    return {demo.name: titles[demo.chapter].lower() for demo in all_demos()}


@cache
def _all_keyword_owners() -> dict[str, tuple[tuple[int, str], ...]]:
    """Like `_keyword_owners`, generic keywords included (they count in a card's own chapter)."""
    owners: dict[str, list[tuple[int, str]]] = {}
    for order, demo in enumerate(all_demos()):
        for keyword in dict.fromkeys(demo.keywords):
            owners.setdefault(keyword, []).append((order, demo.name))
    return {keyword: tuple(demos) for keyword, demos in owners.items()}


def match_demos(text: str, chapter: str | None = None) -> list[str]:
    """The demo `text` is about, as a list of at most one name; empty without strong evidence.

    Evidence per demo: a strong term, or `min_topic_keywords` distinct topic keywords. For the
    demos of the card's own `chapter`, one keyword is enough and generic words count (an
    "Optimizers" card in "Chapter 2: Deep Learning" is about the chapter 2 demo; "learning
    rate" in a reinforcement-learning book is not). Among demos with evidence, one of the card's own
    chapter wins, then the highest score (each keyword counts its words, so a phrase
    outweighs a single word), then book order.
    """
    rules = linking_rules()
    own = own_chapter_demos(chapter)
    lowered = text.lower()
    found = found_keywords(lowered)
    if own:
        found |= {k for k in _generic_keywords_of(own) if _occurs(k, lowered)}
    owners = _all_keyword_owners()
    scores: dict[tuple[int, str], int] = {}
    strong: set[tuple[int, str]] = set()
    topics: dict[tuple[int, str], int] = {}
    for keyword in found:
        for owner in owners[keyword]:
            if keyword in rules.generic and owner[1] not in own:
                continue
            scores[owner] = scores.get(owner, 0) + len(keyword.split())
            if keyword in rules.strong:
                strong.add(owner)
            else:
                topics[owner] = topics.get(owner, 0) + 1
    ranked = sorted(
        (name not in own, -score, order, name)
        for (order, name), score in scores.items()
        if (order, name) in strong
        or topics.get((order, name), 0) >= (1 if name in own else rules.min_topic_keywords)
    )
    return [ranked[0][3]] if ranked else []


@cache
def _generic_keywords_of(demos: frozenset[str]) -> frozenset[str]:
    generic = linking_rules().generic
    return frozenset(
        k.lower()
        for demo in all_demos()
        if demo.name in demos
        for k in demo.keywords
        if k.lower() in generic
    )


def _occurs(keyword: str, lowered: str) -> bool:
    forms = _single_word_forms(keyword)
    if forms:
        return not forms.isdisjoint(_TOKEN.findall(lowered))
    return _phrase_occurs(keyword, lowered)


def deck_on_subject(texts: list[str]) -> bool:
    """Whether a deck is about what the demos teach: a small deck always is (its cards still
    need strong evidence each); a large one must use the subject's own vocabulary."""
    rules = linking_rules()
    if len(texts) < rules.subject_deck_min_cards:
        return True
    whole = "\n".join(texts).lower()
    words = set(_WORD.findall(whole))
    present = 0
    for term in rules.subject:
        if (
            (_phrase_words(term) <= words and _phrase_occurs(term, whole))
            if " " in term
            else (term in words)
        ):
            present += 1
            if present >= rules.subject_min_terms:
                return True
    return False


def link_deck(cards: list[tuple[str, str | None]]) -> list[list[str]]:
    """Automatic links for a deck's cards, given (text, chapter heading) of each."""
    if not deck_on_subject([text for text, _ in cards]):
        return [[] for _ in cards]
    return [match_demos(text, chapter) for text, chapter in cards]
