"""Card markdown → display markdown: LaTeX math as readable Unicode, code left alone."""

from __future__ import annotations

import pytest

from studyapp.domain.render import math_to_text, render_markdown, render_text


def test_the_mle_example_reads_as_unicode() -> None:
    assert math_to_text(r"\hat{\theta} = \arg\max_{\theta} p(D|\theta)") == "θ̂ = arg max_θ p(D|θ)"
    assert (
        render_markdown(r"$\hat{\theta} = \arg\max_{\theta} p(D|\theta)$") == "θ̂ = arg max_θ p(D|θ)"
    )


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"x_i + x^2", "xᵢ + x²"),
        (r"x_{t-1}", "xₜ₋₁"),
        (r"W^T x + b", "Wᵀ x + b"),
        (r"p_{model}", "p_model"),  # no subscript d: the readable fallback
        (r"\sum_{\mathbf{x} \in \mathbf{X}} \log p_\theta(\mathbf{x})", "∑_(x ∈ X) log p_θ(x)"),
        (r"\frac{1}{\sqrt{\alpha_t}}", "1/√αₜ"),
        (r"\mathcal{L}(\theta \mid \mathbf{x})", "ℒ(θ | x)"),
        (r"\mathbb{E}_{q}[\log p(x|z)]", "𝔼_q[log p(x|z)]"),
        (r"D_{KL}(q \| p)", "D_KL(q ‖ p)"),
        (r"\sigma^2 \bar{x} \tilde{x}", "σ² x̄ x̃"),
        (r"\theta^{(i)}", "θ⁽ⁱ⁾"),
        (r"\left( x \right.", "(x"),
        (r"\operatorname{softmax}(z)_i", "softmax(z)ᵢ"),
        (r"\unknownmacro", "unknownmacro"),
    ],
)
def test_math_to_text(latex: str, text: str) -> None:
    assert math_to_text(latex) == text


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("given observed data $D $, we", "given observed data D, we"),
        (r"values $\theta $that maximize", "values θ that maximize"),
        (r"likelihood function$p(D|\theta)$ given", "likelihood function p(D|θ) given"),
        (r"joint $ P(X, Y)$and more", "joint P(X, Y) and more"),
    ],
)
def test_malformed_spacing_from_generated_files(markdown: str, expected: str) -> None:
    assert render_markdown(markdown) == expected


def test_no_raw_latex_survives_in_prose() -> None:
    text = (
        r"Formally, given observed data $D $, we aim to find $\theta$ such that:"
        "\n"
        r"$$\hat{\theta} = \arg\max_{\theta} p(D|\theta)$$"
        "\n\nThen $\\alpha_t$ and $$\\beta$$."
    )
    rendered = render_markdown(text)
    assert "\\" not in rendered and "$" not in rendered
    # Display math on its own line becomes a paragraph of its own.
    assert rendered == (
        "Formally, given observed data D, we aim to find θ such that:\n"
        "\n"
        "θ̂ = arg max_θ p(D|θ)\n"
        "\n"
        "Then αₜ and β."
    )


def test_code_fences_and_inline_code_are_untouched() -> None:
    text = (
        "Before $x^2$ and `cost = $\\theta$` inline.\n"
        "```python\n"
        'note = "$\\theta$ stays raw"\n'
        "```\n"
        "~~~\n$$\\frac{a}{b}$$\n~~~\n"
        "After $y_1$."
    )
    assert render_markdown(text) == (
        "Before x² and `cost = $\\theta$` inline.\n"
        "```python\n"
        'note = "$\\theta$ stays raw"\n'
        "```\n"
        "~~~\n$$\\frac{a}{b}$$\n~~~\n"
        "After y₁."
    )


def test_prices_and_escaped_dollars_are_not_math() -> None:
    assert render_markdown("It costs $5 and $10 in total.") == "It costs $5 and $10 in total."
    assert render_markdown(r"Literal \$x\$ stays.") == r"Literal \$x\$ stays."


def test_markdown_syntax_in_converted_math_is_escaped() -> None:
    assert render_markdown(r"$a * b * c$") == r"a \* b \* c"
    # An underscore between two letters cannot start emphasis, so it stays readable.
    assert render_markdown(r"$p_{model}$") == "p_model"


def test_render_text_for_one_line_labels() -> None:
    assert (
        render_text("Name the properties of $p_{model}$\n listed in the book.")
        == "Name the properties of p_model listed in the book."
    )
