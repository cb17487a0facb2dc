"""Leaving out the statements that cannot matter never changes a finding, and does leave code out.

``check_source(narrow=False)`` parses and analyses every statement; the default parses only
what ``analysis/relevance.py`` keeps.  Both must give the same findings, messages and fixes
on every case program, every rule example, every fuzz seed and their mutations.  The targeted
tests below each need one of the rules of the relevance test (callers, callees, methods,
module state, grad-mode switches): without it, the finding changes.
"""

from __future__ import annotations

import ast
import re
import textwrap
from typing import List, Tuple

import fuzzing
import pytest
from casefile import load_cases
from hypothesis import HealthCheck, given, settings

from flake8_detach.analysis.mentions import scan
from flake8_detach.analysis.relevance import relevant_source
from flake8_detach.checker import UnanalysableSource, check_source
from flake8_detach.rules import RULES

_Outcome = List[Tuple[object, ...]]

_PROGRAMS = {
    **{case.name: case.source for case in load_cases()},
    **{f"{code}-example-{n}": example for code, rule in RULES.items()
       for n, example in enumerate(rule.valid + rule.invalid)},
    **{f"seed-{name}": source for name, source in fuzzing.seed_programs().items()},
}


def _outcome(source: str, narrow: bool) -> _Outcome:
    try:
        findings = check_source(source, narrow=narrow)
    except UnanalysableSource as error:
        return [("unanalysable", str(error))]
    return [(f.line, f.column, f.code, f.message, f.fix) for f in findings]


def _assert_same(source: str) -> None:
    assert _outcome(source, narrow=True) == _outcome(source, narrow=False)


@pytest.mark.parametrize("source", list(_PROGRAMS.values()), ids=list(_PROGRAMS))
def test_narrowing_never_changes_findings(source: str) -> None:
    _assert_same(source)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(fuzzing.mutated_programs(list(fuzzing.seed_programs().values())))
def test_narrowing_never_changes_findings_on_mutated_programs(source: str) -> None:
    _assert_same(source)


def _blanked(source: str) -> List[int]:
    """Line numbers the relevance test blanks out."""
    narrowed = relevant_source(source, ast.parse(source))
    before, after = (re.split(r"\r\n|\r|\n", text) for text in (source, narrowed))
    assert len(before) == len(after)
    return [number for number, (old, new) in enumerate(zip(before, after), 1) if old.strip() and not new.strip()]


_UNRELATED = '''
def unrelated_layer(x):
    return torch.relu(x) * 2
'''


def _program(body: str) -> str:
    return "import numpy as np\nimport torch\nimport matplotlib.pyplot as plt\n" + textwrap.dedent(body) + _UNRELATED


def _codes(source: str) -> List[Tuple[int, str]]:
    return [(finding.line, finding.code) for finding in check_source(source)]


# Each program has a finding (or deliberately none) that depends on a statement the relevance
# test must keep, and an unrelated function that it must leave out.
_SCENARIOS = {
    "callee returns a grad tensor": ('''
        def make():
            return torch.rand(3, requires_grad=True)

        def report():
            return make().numpy()
        ''', [(9, "DET101")]),
    "caller hands a grad tensor to a converting helper": ('''
        def show(values):
            plt.plot(values)

        def train():
            weights = torch.rand(2, requires_grad=True)
            show(weights)
        ''', [(10, "DET102")]),
    "the only caller runs it under no_grad": ('''
        def log_weights(net):
            return (net.weight * 2).numpy()

        def evaluate(net):
            with torch.no_grad():
                return log_weights(net)
        ''', []),
    "method reached through an attribute": ('''
        class Probe:
            def __init__(self):
                self.weight = torch.nn.Parameter(torch.ones(2))

            def dump(self):
                return np.asarray(self.weight)

        def run():
            return Probe().dump()
        ''', [(10, "DET102")]),
    "module state edited by a loop": ('''
        losses = []
        for step in range(3):
            losses.append(torch.rand(1, requires_grad=True) * step)

        def summary():
            return np.mean(np.asarray(losses))
        ''', [(10, "DET102")]),
    "module state a helper adds to, called by a training function": ('''
        history = []

        def plot():
            return np.array(history)

        def record(loss):
            history.append(loss)

        def train():
            w = torch.rand(2, requires_grad=True)
            for _ in range(3):
                record((w * 2).sum())
        ''', [(8, "DET102")]),
    "a model a loader rebinds with global, called by a method": ('''
        MODEL = None

        class Server:
            def handle(self, x):
                return MODEL(x).numpy()

        def start():
            global MODEL
            MODEL = torch.nn.Linear(2, 2)
        ''', [(9, "DET101")]),
    "a module dict a method stores into, read by key elsewhere": ('''
        cache = {}

        class Recorder:
            def record(self, name, value):
                cache[name] = value

        def train():
            w = torch.rand(2, requires_grad=True)
            Recorder().record("w", w * 2)

        def dump():
            return np.asarray(cache["w"])
        ''', [(16, "DET102")]),
    "converters a registering function stores in a module dict, called by key": ('''
        HANDLERS = {}

        def add(name, fn):
            HANDLERS[name] = fn

        def to_array(x):
            return np.asarray(x)

        add("array", to_array)

        def export(name):
            w = torch.rand(2, requires_grad=True)
            return HANDLERS[name](w * 2)
        ''', [(17, "DET102")]),
    "metrics a decorator registers, called in a comprehension": ('''
        METRICS = {}

        def register(fn):
            METRICS[fn.__name__] = fn
            return fn

        @register
        def spread(pred):
            return np.median(pred)

        def evaluate(names):
            pred = torch.nn.Linear(2, 1)(torch.rand(3, 2))
            return {name: METRICS[name](pred) for name in names}
        ''', [(17, "DET102")]),
    "handlers a parametrised decorator registers, run by a method over the values": ('''
        HANDLERS = {}

        def handles(kind):
            def decorate(fn):
                HANDLERS[kind] = fn
                return fn
            return decorate

        @handles("hist")
        def histogram(values):
            return np.histogram(values, bins=4)[0]

        class Summary:
            def run(self):
                w = torch.randn(8, requires_grad=True)
                return [handler(w * 2) for handler in HANDLERS.values()]
        ''', [(20, "DET102")]),
    "grad mode switched off at module level": ('''
        torch.set_grad_enabled(False)
        weights = torch.rand(3) * torch.rand(3, requires_grad=True)

        def dump():
            return weights.numpy()
        ''', []),
}


@pytest.mark.parametrize("body, expected", list(_SCENARIOS.values()), ids=list(_SCENARIOS))
def test_what_a_finding_depends_on_is_kept(body: str, expected: List[Tuple[int, str]]) -> None:
    source = _program(body)
    assert [code for code in _codes(source) if code[1] != "DET103"] == expected
    _assert_same(source)
    last_line = source.count("\n")
    assert _blanked(source) == [last_line - 1, last_line]


def test_a_definition_that_changes_an_imported_module_is_left_out() -> None:
    """Setting ``torch.backends.cudnn.deterministic`` or filling a weight with ``torch.nn.init``
    changes nothing the file's own variables hold: the function is not kept for what it changes,
    though every kept statement names torch."""
    source = _program('''
        def make_deterministic(layer):
            torch.backends.cudnn.deterministic = True
            torch.nn.init.zeros_(layer.weight)

        def report():
            return torch.rand(2, requires_grad=True).numpy()
        ''')
    assert _codes(source) == [(10, "DET101")]
    _assert_same(source)
    last_line = source.count("\n")
    assert _blanked(source) == [5, 6, 7, last_line - 1, last_line]


def test_model_definitions_and_config_tables_are_left_out() -> None:
    source = textwrap.dedent('''\
        import numpy as np
        import torch

        def _cfg(url="", **kwargs):
            return {"url": url, **kwargs}

        default_cfgs = {"tiny": _cfg(url="a"), "base": _cfg(url="b")}
        for name in list(default_cfgs):
            default_cfgs[name + ".ft"] = default_cfgs[name]

        class Block(torch.nn.Module):
            def forward(self, x):
                n = [k for k in range(3)]
                return x * len(n)

        def tiny(**kwargs):
            return Block()

        def load(path):
            return np.load(path)
        ''')
    assert _blanked(source) == [4, 5, 7, 8, 9, 11, 12, 13, 14, 16, 17]
    _assert_same(source)


def test_line_numbers_survive_other_line_ends_and_form_feeds() -> None:
    source = ("import numpy as np\r\nimport torch\r\n\x0c\r\ndef unused():\r\n    return 1\r\n"
              "w = torch.rand(2, requires_grad=True)\r\nnp.asarray(w)\r\n")
    assert _codes(source) == [(7, "DET102")]
    assert _blanked(source) == [4, 5]
    _assert_same(source)


def test_star_import_of_a_converting_library_keeps_everything() -> None:
    source = _program("from numpy import *\nw = torch.rand(2, requires_grad=True)\n")
    assert relevant_source(source, ast.parse(source)) == source


def test_mentions_are_scoped() -> None:
    found = scan(ast.parse(textwrap.dedent('''\
        @decorate(default)
        def f(a, *rest, key=fallback, **options):
            global counter
            counter = a
            local = [n for n in rest if n > threshold]
            import numpy as np
            return helper(local, np.asarray, lambda q: q + outer)
        ''')).body)
    assert found.free == {"decorate", "default", "fallback", "counter", "threshold", "helper", "outer"}
    assert found.bound == {"f"}
    assert "np" in found.every_name and "asarray" in found.attributes
    assert [(item.module, item.bound) for item in found.imports] == [("numpy", "np")]


def test_lambdas_with_keyword_only_parameters_without_defaults() -> None:
    source = _program("sort = lambda *, key, reverse=False: sorted(key)\nnp.asarray(torch.rand(2))\n")
    _assert_same(source)
