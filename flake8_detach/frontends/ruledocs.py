"""Rule documentation as Markdown, for ``flake8-detach rule``/``rules`` and the README alike."""

from __future__ import annotations

import re
from typing import List, Sequence, Tuple

from flake8_detach import REPOSITORY_URL
from flake8_detach.rules.base import Rule

SECTIONS: Tuple[Tuple[str, str, bool], ...] = (
    ("What it does", "what_it_does", False),
    ("Why is this bad?", "why_is_this_bad", False),
    ("Example", "example", True),
    ("Use instead", "use_instead", True),
    ("Fix safety", "fix_safety", False),
)


def _default(rule: Rule) -> str:
    if rule.default_enabled:
        return "On by default."
    return f"Off by default: enable it with `--extend-select {rule.code}`."


# The README nests rule pages under "## Rules"; the terminal shows the same text.
RULE_HEADING_LEVEL = 3


def _title(rule: Rule) -> str:
    return f"{rule.code} ({rule.name})"


def readme_anchor(rule: Rule) -> str:
    """The fragment that links to the rule's page in the README, as GitHub derives it from the title."""
    return re.sub(r"[^\w\- ]", "", _title(rule).lower()).replace(" ", "-")


def rule_url(rule: Rule) -> str:
    """The rule's page in the README."""
    return f"{REPOSITORY_URL}#{readme_anchor(rule)}"


def render_rule(rule: Rule, level: int = RULE_HEADING_LEVEL) -> str:
    """The rule's page: a title at heading ``level``, its sections one level below."""
    lines: List[str] = [f"{'#' * level} {_title(rule)}", "", rule.summary, "", _default(rule), ""]
    for title, attribute, is_code in SECTIONS:
        text = getattr(rule.doc, attribute).strip("\n")
        body = ["```python", text, "```"] if is_code else [text]
        lines += [f"{'#' * (level + 1)} {title}", "", *body, ""]
    return "\n".join(lines)


def rules_table(rules: Sequence[Rule]) -> str:
    """The Markdown table of every rule."""
    rows = ["| Code | Name | Default | What it finds |", "| --- | --- | --- | --- |"]
    rows += [f"| {r.code} | {r.name} | {'on' if r.default_enabled else 'off'} | {r.summary} |" for r in rules]
    return "\n".join(rows) + "\n"


def rules_listing(rules: Sequence[Rule]) -> str:
    """Aligned columns for the terminal."""
    width = max(len(rule.name) for rule in rules)
    return "".join(
        f"{rule.code}  {rule.name:<{width}}  {'on ' if rule.default_enabled else 'off'}  {rule.summary}\n"
        for rule in rules
    )


def readme_section(rules: Sequence[Rule]) -> str:
    """The README's rule reference: the table, then each rule's page."""
    pages = "\n".join(render_rule(rule) for rule in rules)
    return f"{rules_table(rules)}\n{pages}"
