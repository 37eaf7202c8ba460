"""LaTeX math as readable Unicode for a terminal: `\\hat{\\theta}` reads θ̂.

pylatexenc parses the LaTeX; this module walks its node tree itself because pylatexenc's own
text conversion drops operator names (`\\arg`), spaces (`\\log p`) and the grouping of sub-
and superscripts. Pure: used by `studyapp.domain.render` for whole cards.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import (
    LatexCharsNode,
    LatexCommentNode,
    LatexEnvironmentNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexMathNode,
    LatexSpecialsNode,
    LatexWalker,
)
from pylatexenc.latexwalker import get_default_latex_context_db as walker_context
from pylatexenc.macrospec import std_macro

__all__ = ["WORD_CHAR", "math_to_text"]

SUBSCRIPTS = dict(
    zip(
        "0123456789+-=()aehijklmnoprstuvxβγρφχ",
        "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
        strict=True,
    )
)
SUPERSCRIPTS = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδεθιφχ′",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᵋᶿᶥᶲᵡ′",
        strict=True,
    )
)

# Accents become a combining mark after their argument (θ̂, x̄, x̃, v⃗).
ACCENTS = {
    "hat": "\u0302",
    "widehat": "\u0302",
    "bar": "\u0304",
    "overline": "\u0305",
    "tilde": "\u0303",
    "widetilde": "\u0303",
    "vec": "\u20d7",
    "dot": "\u0307",
    "ddot": "\u0308",
}
# Macros whose argument is shown as plain text: bold or upright letters read fine unstyled.
PLAIN_FONTS = {
    "mathbf", "mathrm", "mathit", "mathsf", "mathtt", "boldsymbol", "bm", "text", "textrm",
    "textbf", "textit", "texttt", "emph", "mbox", "textsf", "textnormal", "mathnormal",
}  # fmt: skip
FONT_ALPHABETS = {"mathcal": "SCRIPT", "mathscr": "SCRIPT", "mathbb": "DOUBLE-STRUCK",
                  "mathfrak": "FRAKTUR"}  # fmt: skip
# Operator names typeset upright, with a space before what follows (`\log p` → "log p").
OPERATORS = {
    "arg", "max", "min", "sup", "inf", "lim", "log", "ln", "exp", "sin", "cos", "tan", "tanh",
    "sinh", "cosh", "det", "dim", "ker", "Pr", "gcd", "deg", "argmax", "argmin", "limsup",
    "liminf", "lg", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "hom", "mod", "bmod",
}  # fmt: skip
# Relations and binary operators get a space on each side.
SPACED = {
    "in": "∈", "notin": "∉", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠",
    "ne": "≠", "approx": "≈", "sim": "∼", "simeq": "≃", "equiv": "≡", "propto": "∝",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐",
    "leftrightarrow": "↔", "Leftrightarrow": "⇔", "mapsto": "↦", "gets": "←", "implies": "⇒",
    "iff": "⇔", "subset": "⊂", "subseteq": "⊆", "supset": "⊃", "supseteq": "⊇", "cdot": "·",
    "times": "×", "pm": "±", "mp": "∓", "ll": "≪", "gg": "≫", "mid": "|", "otimes": "⊗",
    "oplus": "⊕", "circ": "∘", "odot": "⊙", "cup": "∪", "cap": "∩", "land": "∧", "lor": "∨",
    "wedge": "∧", "vee": "∨", "div": "÷", "ast": "∗", "star": "⋆", "coloneqq": "≔",
}  # fmt: skip
SYMBOLS = {
    "|": "‖", "{": "{", "}": "}", "%": "%", "$": "$", "&": "&", "#": "#", "_": "_",
    "lbrace": "{", "rbrace": "}", "langle": "⟨", "rangle": "⟩", "lVert": "‖", "rVert": "‖",
    "Vert": "‖", "lvert": "|", "rvert": "|", "vert": "|", "prime": "′", "ldots": "…",
    "dots": "…", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱", "infty": "∞", "nabla": "∇",
    "partial": "∂", "epsilon": "ε", "varepsilon": "ε", "top": "ᵀ", "intercal": "ᵀ",
}  # fmt: skip
SPACES = {",": " ", ";": " ", ":": " ", " ": " ", "quad": " ", "qquad": " ", "!": "",
          "enspace": " ", "thinspace": " "}  # fmt: skip
# Sizing and delimiter-pairing macros carry no text of their own.
INVISIBLE = {
    "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
    "biggr", "Biggl", "Biggr", "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits",
    "nonumber", "notag", "label", "middle",
}  # fmt: skip
FRACTIONS = {"frac", "dfrac", "tfrac", "cfrac"}

_LEFT_RIGHT_DOT = re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|middle)\s*\.")
WORD_CHAR = re.compile(r"\w", re.UNICODE)
_SIMPLE_SCRIPT = re.compile(r"^[\w′∗*.,]+$", re.UNICODE)


@dataclass(slots=True)
class _Atom:
    text: str
    kind: str = "plain"  # plain | word | space | sub | sup


@lru_cache(maxsize=1)
def _walker_context() -> Any:
    """pylatexenc's context plus the argument specs of macros it does not know."""
    context = walker_context()
    context.add_context_category(
        "studyapp-math",
        macros=[
            std_macro("tfrac", False, 2),
            std_macro("dfrac", False, 2),
            std_macro("cfrac", False, 2),
            std_macro("operatorname", False, 1),
            std_macro("boldsymbol", False, 1),
            std_macro("bm", False, 1),
            std_macro("mathscr", False, 1),
            std_macro("widehat", False, 1),
            std_macro("widetilde", False, 1),
            std_macro("label", False, 1),
            std_macro("text", False, 1),
        ],
        prepend=True,
    )
    return context


@lru_cache(maxsize=1)
def _symbol_converter() -> LatexNodes2Text:
    return LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


@lru_cache(maxsize=4096)
def math_to_text(latex: str) -> str:
    """One LaTeX math expression (without its dollars) as readable Unicode text."""
    source = _LEFT_RIGHT_DOT.sub("", latex.strip())
    try:
        nodes, _pos, _len = LatexWalker(
            source, latex_context=_walker_context(), tolerant_parsing=True
        ).get_latex_nodes()
    except Exception:  # malformed beyond pylatexenc's tolerance: show it without backslashes
        return _collapse(re.sub(r"\\([A-Za-z]+)", r"\1", source).replace("{", "").replace("}", ""))
    return _collapse(_convert(nodes or []))


def _collapse(text: str) -> str:
    text = re.sub(r"[ \t\r\n]+", " ", text).strip()
    # Spacing added around relations doubles up with the source's own spaces before ")" etc.
    return re.sub(r"([(\[{]) | ([)\]},;])", lambda m: m.group(1) or m.group(2), text)


def _convert(nodes: Iterable[object]) -> str:
    atoms = list(_atoms(nodes))
    out: list[str] = []
    previous: _Atom | None = None
    i = 0
    while i < len(atoms):
        atom = atoms[i]
        if atom.kind in ("sub", "sup"):
            j = i + 1
            while j < len(atoms) and atoms[j].kind == "space":
                j += 1
            operand = atoms[j].text if j < len(atoms) else ""
            out.append(_script(operand, atom.kind == "sub"))
            previous = _Atom(out[-1], "plain")
            i = j + 1
            continue
        if atom.kind == "space":
            out.append(" ")
        else:
            # Two operator names, or a name and a word, must not run together ("arg max").
            if (
                previous is not None
                and out
                and (previous.kind == "word" or atom.kind == "word")
                and _ends_with_word(out[-1])
                and _starts_with_word(atom.text)
            ):
                out.append(" ")
            out.append(atom.text)
        previous = atom
        i += 1
    return "".join(out)


def _ends_with_word(text: str) -> bool:
    return bool(text) and bool(WORD_CHAR.match(text[-1]))


def _starts_with_word(text: str) -> bool:
    return bool(text) and bool(WORD_CHAR.match(text[0]))


def _script(operand: str, sub: bool) -> str:
    operand = operand.strip()
    table = SUBSCRIPTS if sub else SUPERSCRIPTS
    mark = "_" if sub else "^"
    if not operand:
        return ""
    if all(ch in table for ch in operand):
        return "".join(table[ch] for ch in operand)
    if operand in ("′", "′′"):
        return operand
    if _SIMPLE_SCRIPT.match(operand):
        return f"{mark}{operand}"
    return f"{mark}({operand})"


def _atoms(nodes: Iterable[object]) -> Iterator[_Atom]:
    for node in nodes:
        if isinstance(node, LatexCharsNode):
            for ch in node.chars:
                if ch == "_":
                    yield _Atom("_", "sub")
                elif ch == "^":
                    yield _Atom("^", "sup")
                elif ch.isspace():
                    yield _Atom(" ", "space")
                elif ch == "'":
                    yield _Atom("′")
                elif ch == "~":
                    yield _Atom(" ", "space")
                else:
                    yield _Atom(ch)
        elif isinstance(node, LatexGroupNode | LatexMathNode):
            yield _Atom(_convert(node.nodelist or []))
        elif isinstance(node, LatexMacroNode):
            yield from _macro(node)
        elif isinstance(node, LatexEnvironmentNode):
            yield _Atom(_convert(node.nodelist or []))
        elif isinstance(node, LatexSpecialsNode):
            yield _Atom(" ", "space")
        elif isinstance(node, LatexCommentNode):
            continue


def _args(node: LatexMacroNode) -> list[object]:
    argd = node.nodeargd
    return [a for a in (argd.argnlist if argd is not None else []) if a is not None]


def _arg_text(node: object) -> str:
    if isinstance(node, LatexGroupNode):
        return _convert(node.nodelist or [])
    return _convert([node])


def _macro(node: LatexMacroNode) -> Iterator[_Atom]:
    name = node.macroname
    args = _args(node)
    post_space = bool(node.macro_post_space)
    if name in INVISIBLE:
        return
    if name in SPACES:
        yield _Atom(SPACES[name], "space" if SPACES[name] else "plain")
        return
    if name == "\\":  # a line break inside display math
        yield _Atom("; ")
        return
    if name in ACCENTS and args:
        yield _Atom(_arg_text(args[-1]).strip() + ACCENTS[name])
        return
    if name in PLAIN_FONTS and args:
        yield _Atom(_arg_text(args[-1]))
        return
    if name == "operatorname" and args:
        yield _Atom(_arg_text(args[-1]).strip(), "word")
        return
    if name in FONT_ALPHABETS and args:
        yield _Atom(_alphabet(_arg_text(args[-1]), FONT_ALPHABETS[name]))
        return
    if name in FRACTIONS and len(args) >= 2:
        numerator, denominator = (_arg_text(a).strip() for a in args[-2:])
        yield _Atom(f"{_grouped(numerator)}/{_grouped(denominator)}")
        return
    if name == "sqrt" and args:
        yield _Atom("√" + _grouped(_arg_text(args[-1]).strip()))
        return
    if name in OPERATORS:
        yield _Atom("arg max" if name == "argmax" else "arg min" if name == "argmin" else name,
                    "word")  # fmt: skip
        return
    if name in SPACED:
        yield _Atom(f" {SPACED[name]} ")
        return
    if name in SYMBOLS:
        yield _Atom(SYMBOLS[name])
    else:
        yield _Atom(_symbol(node), "plain" if _is_known(node) else "word")
    if post_space:
        yield _Atom(" ", "space")


def _is_known(node: LatexMacroNode) -> bool:
    return _symbol_converter().latex_context.get_macro_spec(node.macroname) is not None


def _symbol(node: LatexMacroNode) -> str:
    """A Greek letter or symbol through pylatexenc; an unknown macro shows its bare name."""
    converter = _symbol_converter()
    if converter.latex_context.get_macro_spec(node.macroname) is None:
        args = "".join(_arg_text(a) for a in _args(node))
        return node.macroname + (f"({args})" if args else "")
    try:
        text = converter.nodelist_to_text([node])
    except Exception:
        return node.macroname
    return text if text.strip() else node.macroname


def _grouped(text: str) -> str:
    """Parenthesise a fraction part or root that is more than one symbol."""
    if len(text) <= 1 or re.fullmatch(r"[\w.′^√]+", text, re.UNICODE):
        return text
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        return text
    return f"({text})"


def _alphabet(text: str, style: str) -> str:
    out = []
    for ch in text:
        kind = "CAPITAL" if ch.isupper() else "SMALL" if ch.islower() else None
        converted = ch
        if kind is not None and ch.isascii():
            for name in (
                f"MATHEMATICAL {style} {kind} {ch.upper()}",
                f"{style} {kind} {ch.upper()}",
            ):
                try:
                    converted = unicodedata.lookup(name)
                    break
                except KeyError:
                    continue
        out.append(converted)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
