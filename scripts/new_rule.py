"""Scaffold a new rule: its module, its registration and its case table (as ruff's add_rule.py).

    python scripts/new_rule.py DET202 numpy-on-sparse-tensor "a sparse tensor converted to NumPy"

writes ``flake8_detach/rules/det202_numpy_on_sparse_tensor.py`` (the rule's documentation,
examples, triggers and check, to fill in), registers it in ``flake8_detach/rules/__init__.py``
and starts ``tests/cases/numpy_on_sparse_tensor.py``.  The scaffold fails its own tests until
the rule is written: its invalid example must be flagged (``tests/test_rules.py``) and its case
table must hold (``tests/test_cases.py``).  Then ``python scripts/update_readme.py`` adds the
rule's page to the README.  A rule watches a kind of site (``SiteKind``) and the facts its
``Triggers`` name; nothing else in the analysis or the front ends needs to change.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_CODE = re.compile(r"^DET\d{3}$")
_NAME = re.compile(r"^[a-z]+(?:-[a-z0-9]+)*$")
_FACTS = {"grad": "GRAD_MARKERS", "device": "DEVICE_MARKERS"}

_RULE_TEMPLATE = '''"""{code}: {summary}."""

from __future__ import annotations

from flake8_detach.analysis.sites import ConversionSite, SiteKind
from flake8_detach.findings import Finding
from flake8_detach.prefilter import {facts}, Triggers
from flake8_detach.rules.base import Rule, RuleDoc
from flake8_detach.rules.common import Report

RULE = Rule(
    code="{code}",
    name="{name}",
    summary="{summary}",
    default_enabled={enabled},
    raises_grad_error=False,  # True if each finding is a conversion that raises the grad error
    triggers=Triggers(frozenset({{SiteKind.CONVERSION}}), {facts}),
    doc=RuleDoc(
        what_it_does="What the rule finds.",
        why_is_this_bad="What fails at run time, with the error's text.",
        example="the code it flags",
        use_instead="the code to write instead",
        fix_safety="What the fix changes, and when it is unsafe (or why there is no fix).",
    ),
    valid=(
        "import torch\\n"
        "x = torch.rand(3)\\n"
        "x.numpy()\\n",
    ),
    invalid=(
        "import torch\\n"
        "x = torch.rand(3)\\n"
        "x.numpy()  # expect: {code}\\n",
    ),
)


def applies(site: ConversionSite) -> bool:
    """Whether the site is a finding of this rule (see ``ConversionSite`` for what is known)."""
    return False


def finding(site: ConversionSite, report: Report) -> Finding:
    return report.finding(RULE.code, "{summary}", site, None)
'''

_CASES_TEMPLATE = '''# {code} ({name}): {summary}.

# case: {name}-flagged
import torch

x = torch.rand(3)
x.numpy()  # expect: {code}

# case: {name}-silent
import torch

x = torch.rand(3)
x.tolist()
'''


def module_name(code: str, name: str) -> str:
    return f"{code.lower()}_{name.replace('-', '_')}"


def register(init_text: str, module: str) -> str:
    """``rules/__init__.py`` with ``module`` imported and in ``CHECKS``, both kept in code order."""
    imports = re.search(r"from flake8_detach\.rules import \(\n(?P<names>(?:    \w+,\n)+)\)", init_text)
    checks = re.search(r"CHECKS: Tuple\[RuleCheck, \.\.\.\] = \(\n(?P<names>(?:    \w+,\n)+)\)", init_text)
    if imports is None or checks is None:
        raise SystemExit("rules/__init__.py no longer has the shape this script edits")
    for match in sorted((imports, checks), key=lambda found: found.start(), reverse=True):
        names = sorted({*re.findall(r"    (\w+),", match.group("names")), module})
        block = "".join(f"    {name},\n" for name in names)
        init_text = init_text[:match.start("names")] + block + init_text[match.end("names"):]
    return init_text


def scaffold(root: Path, code: str, name: str, summary: str, enabled: bool, facts: str) -> None:
    module = module_name(code, name)
    rule_file = root / "flake8_detach" / "rules" / f"{module}.py"
    cases_file = root / "tests" / "cases" / f"{name.replace('-', '_')}.py"
    for path in (rule_file, cases_file):
        if path.exists():
            raise SystemExit(f"{path} exists already")
    rule_file.write_text(_RULE_TEMPLATE.format(code=code, name=name, summary=summary, enabled=enabled,
                                               facts=_FACTS[facts]), encoding="utf-8")
    cases_file.write_text(_CASES_TEMPLATE.format(code=code, name=name, summary=summary), encoding="utf-8")
    init = root / "flake8_detach" / "rules" / "__init__.py"
    init.write_text(register(init.read_text(encoding="utf-8"), module), encoding="utf-8")
    print(f"wrote {rule_file.relative_to(root)} and {cases_file.relative_to(root)}; registered {module}")
    print("next: write applies() and finding(), fill the docs and examples, then "
          "python scripts/update_readme.py && python -m pytest tests/test_rules.py tests/test_cases.py")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("code", help="DET followed by three digits: DET202")
    parser.add_argument("name", help="kebab-case: numpy-on-sparse-tensor")
    parser.add_argument("summary", help="one line: what it finds")
    parser.add_argument("--off", action="store_true", help="off by default (like DET103)")
    parser.add_argument("--facts", choices=sorted(_FACTS), default="grad",
                        help="what a file must show for the rule to fire (its triggers' markers)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if not _CODE.match(options.code) or not _NAME.match(options.name):
        parser.error("the code is DET and three digits, the name kebab-case")
    scaffold(options.root, options.code, options.name, options.summary, not options.off, options.facts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
