"""What a function owns: the names Python makes local to it (``scope.local_names``); what
paths that meet hold (``scope.Env``)."""

from __future__ import annotations

import math
import random
from typing import Dict, List, Tuple
from unittest import mock

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flake8_detach.analysis.interpreter import Interpreter, analyze_module
from flake8_detach.checker import check_source
from flake8_detach.analysis import scope
from flake8_detach.analysis.scope import Env, local_names
from flake8_detach.analysis.sites import ConversionSite
from flake8_detach.analysis.state import Heap
from flake8_detach.analysis.values import Device, Evidence, Grad, Kind, Origin, Value, join

FUNCTION = '''
def f(a, *b, c=1, **d):
    global g
    x = 1
    y, (z, *w) = 2, (3, 4)
    for i in r: pass
    with o as (p, q): pass
    try: pass
    except E as err: h = 1
    else: e2 = 1
    finally: f2 = 1
    if c: k = 1
    elif d: k2 = 1
    else:
        k3 = 1
    while t: wl = 1
    else: we = 1
    match x:
        case 1:
            mm = 1
    import os.path as op, sys
    from m import n as nn
    def inner(): innerx = 1
    class C: cls_attr = 1
    g = 5
    lst.append(3)
    obj.attr = 4
    items[0] = 1
    aug += 1
    ann: int = 3
'''


def test_local_names_are_what_the_body_binds_and_the_parameters() -> None:
    function = cst.parse_module(FUNCTION).body[0]
    assert isinstance(function, cst.FunctionDef)
    assert local_names(function) == frozenset(
        "a b c d x y z w i p q err h e2 f2 k k2 k3 wl we mm op sys nn inner C aug ann".split()
    )


def test_a_lambda_owns_its_parameters() -> None:
    expression = cst.parse_expression("lambda t, *rest, scale=2: t * scale")
    assert isinstance(expression, cst.Lambda)
    assert local_names(expression) == frozenset({"t", "rest", "scale"})


# --- environments: a join looks only at what the paths changed since their fork --------------

_VALUES = [Value(Kind.TENSOR, Grad.YES), Value(Kind.TENSOR, Grad.NO), Value(Kind.OTHER, constant=1)]


def _naive_join(first: Dict[str, Value], second: Dict[str, Value]) -> Dict[str, Value]:
    """The join compared every binding before environments kept their forks."""
    joined = dict(first)
    for name, value in second.items():
        current = joined.get(name)
        joined[name] = value if current is None or current is value else join(current, value)
    return joined


# A step: set a name, delete it, fork the environment, or join another environment into it.
_STEPS = st.lists(st.tuples(st.sampled_from(["set", "delete", "fork", "absorb"]), st.integers(0, 7),
                            st.integers(0, 3), st.integers(0, 7)), max_size=60)


@pytest.mark.parametrize("layer_after", [scope.LAYER_AFTER, 0, 2])
@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(steps=_STEPS)
def test_a_join_of_forked_environments_is_the_join_of_every_binding(
        layer_after: int, steps: List[Tuple[str, int, int, int]]) -> None:
    """Environments forked from one another, changed and joined in any order (nested branches,
    loops joining their head, a try's handlers) join as comparing every binding would; and each
    holds what a plain dict would, whether its forks copy its bindings (the default, for so few
    names) or share them in layers (0: at every fork; 2: after two changes)."""
    envs: List[Env] = [Env()]
    plain: List[Dict[str, Value]] = [dict()]  # each environment, and what a plain dict holds for it
    with mock.patch.object(scope, "LAYER_AFTER", layer_after):
        for step, index, name_index, other_index in steps:
            at, name, other = index % len(envs), f"name{name_index}", other_index % len(envs)
            if step == "set":
                envs[at][name] = plain[at][name] = _VALUES[other_index % len(_VALUES)]
            elif step == "delete" and name in plain[at]:
                del envs[at][name], plain[at][name]
            elif step == "fork":
                envs.append(envs[at].branch())
                plain.append(dict(plain[at]))
            elif step == "absorb":
                envs[at].absorb(envs[other])
                plain[at] = _naive_join(plain[at], plain[other])
            assert [dict(env) for env in envs] == plain
            assert all(env.get(f"name{k}") == known.get(f"name{k}") and (f"name{k}" in env) == (f"name{k}" in known)
                       for env, known in zip(envs, plain) for k in range(4))


def test_a_fork_of_many_bindings_copies_only_what_changed_since_its_layer() -> None:
    """A function of 20,000 names forks at each ``if``: each fork copies at most the square root
    of them (a fork copied all of them: the long function's time grew as its square)."""
    env = Env()
    for k in range(10_000):
        env[f"h{k}"] = _VALUES[k % 3]
        branched = env.branch()
        assert len(branched._own) <= max(scope.LAYER_AFTER, math.isqrt(2 * k + 1))
        branched[f"x{k}"] = _VALUES[0]
        env.absorb(branched)
    assert len(dict(env)) == 20_000


def test_environments_of_unrelated_paths_join_every_binding() -> None:
    first, second = Env({"x": _VALUES[1]}), Env({"x": _VALUES[0], "y": _VALUES[2]})
    assert dict(first.absorb(second)) == {"x": join(_VALUES[1], _VALUES[0]), "y": _VALUES[2]}


# --- definitions: a redefinition keeps both, under a key of its own ---------------------------

def test_redefinitions_are_numbered_not_searched_for() -> None:
    """A lambda in each of a thousand statements: each has a key of its own, counted (the search
    for a free key, ``<lambda>'''...``, grew with the lambdas: the file's time grew as their square)."""
    source = "".join(f"f{k} = run(lambda t: t * {k})\n" for k in range(1000)) + "class C: pass\n" * 3
    interpreter = Interpreter(Heap())
    interpreter.run(cst.parse_module(source))
    lambdas = [key for key in interpreter.functions if key.startswith("<lambda>")]
    assert len(lambdas) == 1000
    assert max(map(len, lambdas)) == len("<lambda>'1000")
    assert sorted(interpreter.classes) == ["C", "C'2", "C'3"]


# --- the heap: what many writes store does not depend on their order --------------------------

_NODES = [cst.Name("a"), cst.Name("b")]
_WRITTEN = [
    Value(kind, grad, Origin("made here", node, evidence), device=device, placed=node if device else None,
          qualified_name=name, alternatives=alternatives)
    for kind in (Kind.TENSOR, Kind.MODULE, Kind.CONTAINER, Kind.UNKNOWN, Kind.OTHER)
    for grad, evidence, node in ((Grad.YES, Evidence.PROVED, _NODES[0]), (Grad.YES, Evidence.PROVED, _NODES[1]),
                                 (Grad.YES, Evidence.INFERRED, _NODES[0]), (Grad.NO, Evidence.PROVED, _NODES[1]))
    for device in (None, Device.CPU, Device.ACCELERATOR)
    for name, alternatives in ((None, frozenset()), (None, frozenset({"g"})), ("f", frozenset({"h"})))
]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(_WRITTEN), min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_writing_again_what_was_written_changes_nothing(written: List[Value], order: random.Random) -> None:
    """A round of interpretation writes again, in another order, what the one before wrote: the
    heap must not change, or the file is interpreted again until the last round.  (A list, then
    a model, then a list made the stored kind unknown, then a list; a model stored on some paths
    swapped its origin at each write; the alternatives of a callable were lost at a join.)"""
    heap = Heap()
    for value in written:
        heap.store_attribute("C", "x", value)
    stored, versions = heap.values[("C", "x")], dict(heap.versions)
    again = list(written)
    order.shuffle(again)
    for value in again:
        heap.store_attribute("C", "x", value)
    assert heap.values[("C", "x")] == stored
    assert heap.versions == versions


def test_a_join_keeps_every_function_a_callable_may_be() -> None:
    """``fn = callbacks[i]`` (``f`` or ``g``) on one path, something unknown on the other: the join
    may still be ``f`` or ``g`` (it forgot both where neither side named one function)."""
    either = Value(Kind.FUNCTION, alternatives=frozenset({"f", "g"}))
    assert join(either, Value(Kind.UNKNOWN)).functions == {"f", "g"}
    assert join(Value(Kind.UNKNOWN), either).functions == {"f", "g"}
    named = Value(Kind.FUNCTION, qualified_name="f", alternatives=frozenset({"h"}))
    assert join(named, Value(Kind.FUNCTION, qualified_name="f")).functions == {"f", "h"}
    assert join(named, Value(Kind.FUNCTION, qualified_name="g")).functions == {"f", "g", "h"}


_WRITTEN_IN_TURN = {
    "an attribute written by methods": '''
import torch.nn as nn
class Holder:
    def read(self):
        return self.layers
    def first(self):
        self.layers = []
    def second(self):
        self.layers = nn.Linear(2, 2)
    def third(self):
        self.layers = [nn.ReLU()]
''',
    "an attribute of a base class written by its subclasses": '''
import torch.nn as nn
class Base(nn.Module):
    def forward(self, x):
        return self.blocks
class ListOfBlocks(Base):
    def build(self):
        self.blocks = []
class OneBlock(Base):
    def build(self):
        self.blocks = nn.Linear(2, 2)
class MoreBlocks(Base):
    def build(self):
        self.blocks = [nn.ReLU()]
''',
    "an attribute rebound in a loop": '''
import torch.nn as nn
class Stack:
    def top(self):
        return self.parts
    def reset(self):
        self.parts = []
    def fill(self, sizes):
        for size in sizes:
            self.parts = nn.Linear(size, size)
            self.parts = [self.parts]
''',
    "a model stored on some paths, something unknown on others": '''
import torch.nn as nn
from elsewhere import build
class Net(nn.Module):
    def forward(self, x):
        return self.head(x)
    def small(self):
        self.head = nn.Linear(2, 2)
    def guessed(self):
        self.head = build()
    def large(self):
        self.head = nn.Linear(4, 4)
''',
}


def _rounds(source: str, monkeypatch: pytest.MonkeyPatch) -> Tuple[int, List[ConversionSite]]:
    """How many times ``analyze_module`` interprets ``source``, and the sites it finds."""
    rounds: List[cst.Module] = []
    run = Interpreter.run

    def counted(self: Interpreter, module: cst.Module) -> List[ConversionSite]:
        rounds.append(module)
        return run(self, module)

    monkeypatch.setattr(Interpreter, "run", counted)
    sites = analyze_module(cst.parse_module(source))
    return len(rounds), sites


@pytest.mark.parametrize("source", _WRITTEN_IN_TURN.values(), ids=_WRITTEN_IN_TURN)
def test_a_file_is_interpreted_again_only_while_what_it_read_changes(
        source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read before the writes asks for a second round; a third is for nothing when the second
    writes again what the first wrote (a list, a model, a list: it ran the last round)."""
    assert _rounds(source, monkeypatch)[0] == 2


_INHERITED_CONSTRUCTOR = {
    "a subclass's method read before another class makes one": '''
import torch.nn as nn
class Block(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.proj = nn.Linear(size, size)
    def forward(self, x):
        return self.proj(x)
class Mixer(Block):
    def peek(self, x):
        return self.proj(x).numpy()
class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.mixer = Mixer(4)
''',
    "two levels down, made in a function": '''
import torch
class Base:
    def __init__(self, scale):
        self.weight = torch.ones(3, requires_grad=True)
class Middle(Base):
    pass
class Leaf(Middle):
    def show(self):
        return self.weight.numpy()
def main():
    leaf = Leaf(2.0)
    return leaf.show()
''',
    "read in a loop, made at module level": '''
import torch
import torch.nn as nn
class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(2, 2)
class Tiny(Encoder):
    def summary(self, batches):
        outs = []
        for x in batches:
            outs.append(self.layer(x).numpy())
        return outs
net = Tiny()
print(net.summary([torch.randn(2, 2)]))
''',
    "built by a helper, called through another class": '''
import torch.nn as nn
def make_head():
    return nn.Linear(8, 2)
class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = make_head()
class Probe(Head):
    def predict(self, x):
        return self.head(x).cpu().numpy()
class Runner:
    def __init__(self):
        self.probe = Probe()
    def run(self, x):
        return self.probe.predict(x)
''',
}


@pytest.mark.parametrize("source", _INHERITED_CONSTRUCTOR.values(), ids=_INHERITED_CONSTRUCTOR)
def test_a_subclass_knows_what_its_inherited_constructor_stores_in_one_round(
        source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its methods read what the base's ``__init__`` stores before any instance is made: they
    find it at once, not in a second round, and the conversion of the model's output raises."""
    rounds, sites = _rounds(source, monkeypatch)
    assert rounds == 1
    assert [site.grad for site in sites] == [Grad.YES]


_WRITTEN_UNDER_AN_IMPORTED_MODULE = {
    "an imported module's setting, set after a function reads the module": '''
import torch
import torch.nn as nn
net = nn.Linear(2, 2)
def evaluate(x):
    return torch.sigmoid(net(x)).numpy()
def main():
    evaluate(torch.ones(1, 2))
    setup()
def setup():
    torch.backends.cudnn.benchmark = True
''',
    "an item of os.environ, set after a method reads it": '''
import os
import torch
class Trainer:
    def report(self, loss):
        print(os.environ.get("RANK"), loss.numpy())
    def train(self, w):
        loss = (w * 2).sum()
        self.report(loss)
def configure():
    os.environ["RANK"] = "0"
w = torch.ones(2, requires_grad=True)
Trainer().train(w)
configure()
''',
    "matplotlib's rcParams, set after a function plots": '''
import matplotlib.pyplot as plt
import torch
def draw(t):
    plt.plot(t)
def setup():
    plt.rcParams["figure.dpi"] = 100
def main():
    w = torch.ones(3, requires_grad=True)
    draw(w * 2)
    setup()
''',
}


@pytest.mark.parametrize("source", _WRITTEN_UNDER_AN_IMPORTED_MODULE.values(), ids=_WRITTEN_UNDER_AN_IMPORTED_MODULE)
def test_a_write_under_an_imported_module_changes_nothing_the_file_reads(
        source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A function that sets ``torch.backends.cudnn.benchmark`` leaves ``torch`` as the functions
    that read it before saw it: the file is interpreted once, and what it converts still raises."""
    rounds, sites = _rounds(source, monkeypatch)
    assert rounds == 1
    assert Grad.YES in [site.grad for site in sites]


_STORED_UNDER_A_MODULE_VARIABLE = {
    "an attribute of a namespace, set by one function, read by another": '''
import types
import torch
import numpy as np
state = types.SimpleNamespace()
def show():
    print(np.asarray(state.loss))  # DET102
def compute(w):
    state.loss = (w * 2).sum()
def main():
    w = torch.ones(2, requires_grad=True)
    compute(w)
    show()
''',
    "an attribute of parsed arguments, set and read by methods": '''
import argparse
import torch
import numpy as np
args = argparse.Namespace()
model = torch.nn.Linear(2, 1)
class Trainer:
    def log(self):
        return np.mean(args.history)  # DET102
    def fit(self, x):
        args.history = [model(x).sum()]
        return self.log()
''',
    "an item of a module dict, set by a step no one here calls": '''
import numpy as np
import torch
import torch.nn as nn
metrics = {}
net = nn.Linear(2, 1)
def summarize():
    return {name: np.asarray(value) for name, value in metrics.items()}  # DET102
def step(x):
    metrics["loss"] = net(x).mean()
''',
    "a list a helper rebinds with global, called by a training function": '''
import numpy as np
import torch
history = []
def plot():
    return np.array(history)  # DET102
def record(loss):
    global history
    history = history + [loss]
def train():
    w = torch.ones(2, requires_grad=True)
    for _ in range(3):
        record((w * 2).sum())
''',
    "an attribute read in a loop, set from another attribute": '''
import types
import numpy as np
import torch
cfg = types.SimpleNamespace(scale=2.0)
def report():
    for _ in range(3):
        print(np.asarray(cfg.weights))  # DET102
def build():
    cfg.weights = torch.ones(3, requires_grad=True) * cfg.scale
''',
}


@pytest.mark.parametrize("source", _STORED_UNDER_A_MODULE_VARIABLE.values(), ids=_STORED_UNDER_A_MODULE_VARIABLE)
def test_what_a_function_stores_under_a_module_variable_reaches_its_readers(source: str) -> None:
    """``state.loss = t``, ``metrics["loss"] = t`` in one function: another, interpreted before
    or never called after it here, reads the tensor (the relevance pass keeps the writer)."""
    expected = [(number, "DET102") for number, line in enumerate(source.splitlines(), 1) if line.endswith("# DET102")]
    assert [(finding.line, finding.code) for finding in check_source(source)] == expected


def test_detection_models_give_integer_class_ids() -> None:
    """torchvision's detection models give a dict per image: its ``labels`` are class ids
    (int64, which cannot require grad), its boxes and scores the model's output.  (No oracle:
    the tests' environment has no torchvision; the table entry is MODEL_OUTPUT_INTEGER_ENTRIES.)"""
    source = (
        "import numpy as np\n"
        "import torch\n"
        "import torchvision\n"
        "model = torchvision.models.detection.fasterrcnn_resnet50_fpn(weights='DEFAULT').eval()\n"
        "predictions = model([torch.rand(3, 224, 224)])\n"
        "for prediction in predictions:\n"
        "    print(prediction['labels'].numpy())\n"
        "    print(np.asarray(prediction['scores']))\n"
        "print(predictions[0]['boxes'].numpy())\n"
    )
    assert [(finding.line, finding.code) for finding in check_source(source)] == [(8, "DET102"), (9, "DET101")]


def test_the_analysis_copies_records_as_dataclasses_replace_does() -> None:
    """records.replace copies an instance's dictionary: for every record the analysis copies, the
    copy equals (and hashes as) what dataclasses.replace makes, the original is unchanged, and
    nothing the dictionary copy would skip exists (__post_init__, init=False fields, __slots__)."""
    import dataclasses

    from flake8_detach.analysis.effects import Use
    from flake8_detach.analysis.records import replace as fast_replace
    from flake8_detach.analysis.sites import ConversionSite, HelperConversion
    from flake8_detach.analysis.state import Write
    from flake8_detach.analysis.values import Condition

    for record in (Value, Origin, Condition, ConversionSite, HelperConversion, Write, Use):
        assert not hasattr(record, "__post_init__") and "__slots__" not in vars(record), record
        assert all(f.init for f in dataclasses.fields(record)), record
    node = cst.Name("x")
    original = Value(Kind.TENSOR, Grad.YES, Origin("made here", node, Evidence.PROVED), params=frozenset({"t"}))
    for changes in ({"grad": Grad.NO}, {"kind": Kind.CONTAINER, "item": original}, {"parameter_path": (0, "k")},
                    {"keyed": True, "attributes": (("loss", original),)}, {}):
        copy = fast_replace(original, **changes)
        expected = dataclasses.replace(original, **changes)
        assert copy == expected and hash(copy) == hash(expected) and type(copy) is Value
    assert original == Value(Kind.TENSOR, Grad.YES, Origin("made here", node, Evidence.PROVED), params=frozenset({"t"}))


_READ_FROM_A_MODEL_HANDED_IN = {
    "getattr through a decorator's wrapper": '''
import torch
def wrapper_method(func):
    def wrapper_func(self, *args, **kwargs):
        return func(self, *args, **kwargs)
    return wrapper_func
class Attack:
    def __init__(self, model):
        self.device = next(model.parameters()).device
        self._set_norm(model)
    @wrapper_method
    def _set_norm(self, model):
        mean = getattr(model, "mean", None)
        if isinstance(mean, torch.Tensor):
            mean = mean.cpu().numpy()
Attack(torch.nn.Linear(2, 2))
''',
    "getattr in a helper": '''
import torch
def describe(model):
    next(model.parameters())
    mean = getattr(model, "mean", None)
    if mean is not None:
        print(mean.cpu().numpy())
describe(torch.nn.Linear(2, 2))
''',
    "an attribute named like a tensor method": '''
import torch
def describe(model):
    model.to("cpu")
    print(model.std.numpy())
describe(torch.nn.Linear(2, 2))
''',
}


@pytest.mark.parametrize("source", _READ_FROM_A_MODEL_HANDED_IN.values(), ids=_READ_FROM_A_MODEL_HANDED_IN)
def test_an_attribute_of_a_model_handed_in_is_not_its_parameters(source: str) -> None:
    """``getattr(model, "mean", None)``, ``model.std`` of a model a helper is handed: what the
    caller's model holds there (a buffer, a statistic), not the model; passing a module that
    requires grad does not make the helper's conversion raise (DET103 judges it, off by default)."""
    assert [finding.code for finding in check_source(source) if finding.code in ("DET101", "DET102")] == []
