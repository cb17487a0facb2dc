"""Each rule's own examples (Fixit style): valid ones are silent, invalid ones flag the marked line."""

from __future__ import annotations

import re
from typing import List, Set, Tuple

import pytest

from flake8_detach.checker import check_source
from flake8_detach.rules import RULES
from flake8_detach.rules.base import Rule
from flake8_detach.settings import Settings

_EXPECT = re.compile(r"#\s*expect:\s*(DET\d{3})")


def _expected(source: str) -> Set[Tuple[int, str]]:
    return {
        (number, match.group(1))
        for number, line in enumerate(source.splitlines(), start=1)
        for match in _EXPECT.finditer(line)
    }


def _examples(kind: str) -> List[Tuple[Rule, str]]:
    return [(rule, example) for rule in RULES.values() for example in getattr(rule, kind)]


@pytest.mark.parametrize("rule, example", _examples("valid"))
def test_valid_example_is_silent(rule: Rule, example: str) -> None:
    assert [f for f in check_source(example) if f.code == rule.code] == []


@pytest.mark.parametrize("rule, example", _examples("invalid"))
def test_invalid_example_is_flagged(rule: Rule, example: str) -> None:
    expected = _expected(example)
    assert expected and {code for _, code in expected} == {rule.code}
    assert {(f.line, f.code) for f in check_source(example)} == expected


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_rule_is_documented(rule: Rule) -> None:
    assert re.fullmatch(r"DET\d{3}", rule.code)
    for section in ("what_it_does", "why_is_this_bad", "example", "use_instead", "fix_safety"):
        assert getattr(rule.doc, section).strip(), section
    assert rule.valid and rule.invalid


@pytest.mark.parametrize("rule, example", _examples("invalid"))
def test_only_the_rules_asked_for_are_reported(rule: Rule, example: str) -> None:
    """A front end that will not show a rule leaves it out of ``Settings.rules``."""
    others = frozenset(RULES) - {rule.code}
    assert check_source(example, Settings(rules=others)) == []
    assert check_source(example, Settings(rules=frozenset()), prefilter=False) == []
    assert check_source(example, Settings(rules=frozenset({rule.code}))) == check_source(example)
