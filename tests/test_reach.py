"""Deciding on the ``ast`` which facts can reach a conversion never hides a finding, and does clear code.

``analysis/reach.py`` lets DET101, DET102 and DET201 skip a file, or every statement that holds
none of their possible conversions, before libcst parses it.  The findings must be those of the
full analysis (``check_source(prefilter=False)``, less the rules whose text triggers do not
fire) on every program the tests know: case tables, bug reports, rule examples, fuzz seeds,
generated programs and mutations of them, both with every rule shown and with flake8's default
selection (DET103 off, where the narrowing to lines applies).  The shaped tests below each
pin one construct the walk must follow, or one it must see through to clear a file.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import fuzzing
import pytest
from casefile import load_cases
from generator.grammar import generate
from hypothesis import HealthCheck, given, settings

from flake8_detach.analysis import reach
from flake8_detach.analysis.reach import facts_reaching_conversions
from flake8_detach.prefilter import Fact
from flake8_detach.checker import UnanalysableSource, check_source
from flake8_detach.rules import DEFAULT_OFF, RULES
from flake8_detach.settings import Settings

_TESTS = Path(__file__).resolve().parent
_PROGRAMS: Dict[str, str] = {
    **{case.name: case.source for case in load_cases()},
    **{f"report-{case.name}": case.source for case in load_cases(_TESTS / "bug_reports")},
    **{f"{code}-example-{n}": example for code, rule in RULES.items()
       for n, example in enumerate(rule.valid + rule.invalid)},
    **{f"seed-{name}": source for name, source in fuzzing.seed_programs().items()},
    **{f"generated-{seed}": generate(seed).source for seed in range(150)},
    **{f"example-{path.name}": path.read_text(encoding="utf-8")
       for path in sorted((_TESTS.parent / "examples").glob("*.py"))},
}
_EVERY_RULE = Settings()
_DEFAULT = Settings(rules=frozenset(RULES) - frozenset(DEFAULT_OFF))

_Outcome = List[Tuple[object, ...]]


def _outcome(source: str, shown: Settings, prefilter: bool) -> _Outcome:
    try:
        findings = check_source(source, shown, prefilter=prefilter)
    except UnanalysableSource as error:
        return [("unanalysable", str(error))]
    # Without the pre-filters a rule whose text triggers do not fire is analysed too; the text
    # test has its own tests (test_prefilter.py): here only the walk is judged.
    return [(f.line, f.column, f.code, f.message, f.fix) for f in findings
            if prefilter or RULES[f.code].triggers.may_fire(source)]


def _assert_same(source: str) -> None:
    for shown in (_EVERY_RULE, _DEFAULT):
        walked, full = _outcome(source, shown, prefilter=True), _outcome(source, shown, prefilter=False)
        if not walked and [kind for kind, *_ in full] == ["unanalysable"]:
            continue  # Python parses it, libcst does not (tabs after spaces): a cleared file never meets libcst
        assert walked == full


def _shapes(table: Dict[str, str]) -> List[object]:
    """A table's programs as test parameters; one written in syntax this Python cannot parse
    (``match`` before 3.10) is skipped, not failed."""
    return [pytest.param(source, id=name, marks=() if _parses(source) else pytest.mark.skip(
        reason="syntax this Python cannot parse")) for name, source in table.items()]


def _parses(source: str) -> bool:
    try:
        ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return False
    return True


@pytest.mark.parametrize("source", list(_PROGRAMS.values()), ids=list(_PROGRAMS))
def test_the_walk_never_hides_a_finding(source: str) -> None:
    _assert_same(source)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(fuzzing.mutated_programs(list(fuzzing.seed_programs().values())))
def test_the_walk_never_hides_a_finding_in_mutated_programs(source: str) -> None:
    _assert_same(source)


def _reaching(source: str) -> Tuple[frozenset[Fact], Optional[frozenset[int]]]:
    source = textwrap.dedent(source)
    reach = facts_reaching_conversions(ast.parse(source), frozenset(Fact), source)
    return reach.kinds, reach.lines


def _line_of(source: str, text: str) -> int:
    return next(number for number, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)


# --- what the walk clears: code that converts, where no fact can reach the conversion -----------

_CLEARED = {
    "an attribute of something an array was handed to is no array, nor is an index store": """
        import numpy as np
        import torch

        def to_numpy(t):
            return t.detach().cpu().numpy()

        def options(**kwargs):
            return kwargs

        def bounds(op, low):
            return low + op.eps

        def fill(result, row, value):
            result[row] = value

        net = torch.nn.Linear(2, 2)
        op = options(reference=to_numpy(torch.ones(2)))
        bounds(op, net(torch.ones(2)))
        fill(np.zeros(3), 0, net(torch.ones(2)).sum())
        """,
    "a data pipeline: arrays in, tensors out": """
        import numpy as np
        import torch

        def load(image):
            array = np.asarray(image, dtype=np.float32) / 255.0
            return torch.as_tensor(array).permute(2, 0, 1)

        def back(tensor):
            return tensor.permute(1, 2, 0).numpy()
        """,
    "model outputs detached and moved before converting": """
        import numpy as np
        import torch

        model = torch.nn.Linear(4, 2).to("cuda")
        logits = model(torch.rand(3, 4, device="cuda"))
        print(logits.detach().cpu().numpy(), np.asarray(logits.argmax(1).cpu()))
        """,
    "numbers a module stores, converted in a method": """
        import numpy as np
        from torch import nn

        class Pyramid(nn.Module):
            def __init__(self, strides):
                super().__init__()
                self.strides = strides
                self.conv = nn.Conv2d(3, 8, 3)

            def levels(self):
                return [int(np.log2(stride)) for stride in self.strides]
        """,
    "a variable named inputs is not an NPU": """
        import numpy as np
        import torch

        def collate(inputs):
            return np.stack([item.numpy() for item in inputs])
        """,
    "NumPy named only in a docstring and a comment": """
        import torch

        def loss_of(model, x):
            '''The loss, as a tensor; detach it before NumPy sees it:

            >>> import numpy as np
            >>> np.asarray(loss_of(model, x).detach())
            '''
            return model(x).sum()  # from numpy import mean would need a detach

        print(loss_of(torch.nn.Linear(2, 1), torch.ones(2)))
        """,
    "a docstring that names CUDA places nothing": """
        import torch

        def helper(t):
            '''Runs on cuda when available.'''
            return t.numpy()

        helper(torch.ones(3))
        """,
    "library calls handed a grad tensor call nothing back": """
        import numpy as np
        import torch

        def report(values):
            print(np.mean(values))

        weight = torch.rand(3, requires_grad=True)
        print(len(weight), isinstance(weight, torch.Tensor))
        report([1.0, 2.0])
        """,
    "model outputs computed with grad off, at module level": """
        import numpy as np
        import torch

        model = torch.nn.Linear(4, 2)
        with torch.no_grad():
            scores = model(torch.rand(3, 4)).softmax(dim=1)
        print(np.asarray(scores), scores.numpy())
        """,
    "an evaluation method decorated with no_grad": """
        import numpy as np
        import torch

        class Evaluator:
            def __init__(self, model):
                self.model = model

            @torch.no_grad()
            def predict(self, batches):
                return [np.argmax(self.model(batch).numpy(), axis=1) for batch in batches]

        Evaluator(torch.nn.Linear(4, 2)).predict([torch.rand(2, 4)])
        """,
    "inference_mode in a loop": """
        import torch

        model = torch.nn.Linear(4, 2)
        for batch in [torch.rand(2, 4)]:
            with torch.inference_mode():
                logits = model(batch) * 2
            print(logits.numpy())
        """,
    "a library function the table does not know gives no grad": """
        import numpy as np
        import torch
        from fvcore.nn import FlopCountAnalysis

        model = torch.nn.Linear(4, 2)
        flops = FlopCountAnalysis(model, torch.rand(1, 4))
        print(np.sum(flops.total()))
        """,
    "a flag the file cannot read is not a grad source": """
        import torch

        def make(shape, requires_grad):
            return torch.rand(shape, requires_grad=requires_grad)

        print(make((2,), False).numpy())
        """,
    # variables, version by version: a rebinding replaces what the name held
    "rebound detached at module level": """
        import numpy as np
        import torch

        model = torch.nn.Linear(4, 2)
        output = model(torch.rand(3, 4))
        output = output.detach().cpu().numpy()
        print(np.allclose(output.flatten(), 0.5))
        """,
    "rebound detached in a test method": """
        import numpy as np
        import torch

        class TestHead:
            def test_output(self):
                head = torch.nn.Linear(4, 2)
                result = head(torch.rand(3, 4))
                result = result.detach().numpy()
                assert np.allclose(result.sum(), result.sum())
        """,
    "rebound in each pass of a loop": """
        import numpy as np
        import torch

        model = torch.nn.Linear(4, 2)
        scores = []
        for batch in [torch.rand(3, 4)]:
            out = model(batch)
            out = out.detach().cpu()
            scores.append(out.numpy())
        np.concatenate(scores)
        """,
    "both branches detach": """
        import numpy as np
        import torch

        def predict(model, x, hard):
            model = torch.nn.Linear(4, 2)
            logits = model(x)
            if hard:
                logits = logits.argmax(1)
            else:
                logits = logits.detach()
            return np.asarray(logits)
        """,
    "moved to the host before converting": """
        import numpy as np
        import torch

        def run(x):
            x = x.to("cuda")
            y = x * 2
            y = y.cpu()
            return np.asarray(y)
        """,
    # calls by name and attributes of self: a call reaches the functions it can run, self.x what
    # the classes of self's family store
    "super().__init__ hands its arguments to a base of the file only": """
        import numpy as np
        import torch
        from torch import nn

        class Stats:
            def __init__(self, values):
                self.mean = np.mean(values)

        class Running(Stats):
            def __init__(self, values):
                super().__init__(values)

        class Wrapped(nn.Sequential):
            def __init__(self):
                super().__init__(nn.Linear(3, 3))

        Running([1.0, 2.0])
        Wrapped()
        """,
    "nn.Module.__init__(self) runs the library's constructor": """
        import numpy as np
        from torch import nn

        class Stats:
            def __init__(self, values):
                self.mean = np.mean(values)

        class Net(nn.Module):
            def __init__(self):
                nn.Module.__init__(self)
                self.fc = nn.Linear(2, 2)
        """,
    "self.method(a, b) hands a to the parameter after self": """
        import numpy as np
        from torch import nn

        class Tracker(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 2)

            def forward(self, x):
                return self.threshold(3, self.fc(x))

            def threshold(self, level, scores):
                return scores > float(np.log(level))
        """,
    "self.size is what its own class stores": """
        import numpy as np
        from torch import nn

        class Sizes:
            def __init__(self, n):
                self.size = n

            def table(self):
                return np.zeros(self.size)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.size = nn.Linear(2, 2)
        """,
    "calling an instance runs its __call__, not its decorated __init__": """
        import numpy as np
        from torch import nn
        from configs import configurable

        class Head(nn.Sequential):
            @configurable
            def __init__(self, sizes):
                super().__init__()
                self.total = int(np.prod(sizes))

            def forward(self, x):
                for layer in self:
                    x = layer(x)
                return x
        """,
    "a parameterless module gives what its input gives": """
        import numpy as np
        import torch

        def pad_features(features, length):
            features = torch.from_numpy(np.asarray(features))
            pad = torch.nn.ZeroPad2d((0, 0, 0, length))
            features = torch.relu(pad(features))
            return features.numpy()
        """,
    # methods the framework runs with grad off, as the interpreter knows them
    "a module's validation_step runs with grad off": """
        import numpy as np
        import torch
        from torch import nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)

            def validation_step(self, batch, index):
                logits = self.fc(batch)
                return np.asarray(logits)
        """,
    "a subclass of the file's module: its test_step too": """
        import numpy as np
        import torch
        from torch import nn

        class Base(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)

        class Classifier(Base):
            def test_step(self, batch, index):
                return np.asarray(self.fc(batch))
        """,
    "an autograd Function's forward runs without recording": """
        import numpy as np
        import torch

        class Clip(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                weight = torch.nn.Parameter(torch.ones(3))
                return torch.from_numpy(np.clip(np.asarray(x * weight), 0, 1))

            @staticmethod
            def backward(ctx, grad_output):
                return grad_output
        """,
    # .numpy() raises only with grad on: conversions the interpreter runs with grad off
    "a conversion inside a no_grad block": """
        import numpy as np
        import torch

        weight = torch.nn.Parameter(torch.ones(3))
        with torch.no_grad():
            print(np.asarray(weight))
        """,
    "a conversion in a method decorated with no_grad": """
        import numpy as np
        import torch

        class Plotter:
            def __init__(self):
                self.net = torch.nn.Linear(3, 3)

            @torch.no_grad()
            def show(self, x):
                return np.asarray(self.net(x))
        """,
    "a helper whose every caller runs with grad off": """
        import numpy as np
        import torch

        class Pipeline:
            def __init__(self):
                self.encoder = torch.nn.Linear(3, 3)

            def encode(self, x):
                return np.asarray(self.encoder(x))

            @torch.no_grad()
            def __call__(self, x):
                return self.encode(x)
        """,
    "helpers of helpers, at module level": """
        import numpy as np
        import torch

        model = torch.nn.Linear(3, 3)

        def to_array(t):
            return np.asarray(t)

        def predict(x):
            return to_array(model(x))

        with torch.inference_mode():
            predict(torch.ones(3))
        """,
    # what torch.load() gives is a model only if it is called
    "what a checkpoint holds is no model output": """
        import numpy as np
        import torch

        checkpoint = torch.load("run.pt")
        state = checkpoint["rng_state"]
        np.testing.assert_array_equal(state.rng.get_state()[1], np.zeros(3))
        print(np.asarray(checkpoint["mean"]))
        """,
    "a loaded model called with grad off": """
        import numpy as np
        import torch

        model = torch.load("model.pt")
        with torch.no_grad():
            scores = model(torch.ones(1, 3))
        print(np.asarray(scores))
        """,
    # globals()[name] = value binds no variable the analysis follows
    "a grad tensor stored through globals() at module level": """
        import numpy as np
        import torch

        weights = torch.ones(3, requires_grad=True)
        for name in ["scaled", "shifted"]:
            globals()[name] = weights * 2
        table = np.asarray([1.0, 2.0])
        print(np.mean(table), table.sum())
        """,
    "flags a helper exports through globals()": """
        import os
        import numpy as np
        import torch

        def define_flag(name, default=False, enabled_fn=lambda value, default: value == "1"):
            enabled = enabled_fn(os.getenv(name), default)
            globals()[name] = enabled
            return enabled

        define_flag("FAST", default=torch.zeros(1, requires_grad=True))

        def report(values):
            return np.asarray(values).mean()
        """,
    "a registry method writing globals()": """
        import numpy as np
        import torch

        class Registry:
            def register(self, name, value):
                globals()[name] = value
                return self

        Registry().register("loss", torch.ones(1, requires_grad=True) * 3)
        counts = [1, 2, 3]
        print(np.asarray(counts))
        """,
    # a converter handed to a callable the analysis does not know: nothing is known to call it
    "numpy's array type handed to a base class's check": """
        import numpy as np
        import torch
        from torch.testing._comparison import TensorLikePair

        class Pair(TensorLikePair):
            def compare_grad(self, actual):
                self._check_inputs_isinstance(actual * 2, actual, cls=(torch.Tensor, np.ndarray))

        Pair(1, 2).compare_grad(torch.ones(2, requires_grad=True))
        """,
    "a converter and a grad tensor handed to a callback parameter": """
        import numpy as np
        import torch

        def validate(check, value):
            return check(value, np.ndarray)

        weights = torch.zeros(3, requires_grad=True)
        validate(isinstance, weights)
        """,
    "np.asarray registered on an object a library made, with a grad tensor": """
        import numpy as np
        import torch
        import serving

        server = serving.Server()
        scale = torch.ones(1, requires_grad=True)
        server.register("to_array", np.asarray, default=scale * 2)
        """,
    # a module's configuration (kernel_size, in_features...) is no tensor, whatever the module
    "an init function applied to a model reads kernel sizes": """
        import numpy as np
        import torch.nn as nn

        def init_weights(m):
            if isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                m.weight.data.normal_(mean=0.0, std=np.sqrt(2.0 / fan_out))

        class Stem(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 3)
                self.apply(init_weights)
        """,
    "a loop over a model's layers at module level reads their sizes": """
        import numpy as np
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
        for layer in model:
            print(np.sqrt(layer.in_features * layer.out_features))
        """,
    "a module stores a scale computed from the layer it is given": """
        import numpy as np
        import torch.nn as nn

        class Head(nn.Module):
            def __init__(self, conv):
                super().__init__()
                self.conv = conv
                self.scale = float(np.sqrt(conv.out_channels))

        Head(nn.Conv2d(3, 8, 3))
        """,
    # __import__(name) is a module of another file: an unknown value, as for the analysis
    "a lazy mapping importing its classes by name": """
        import numpy as np
        import torch

        class LazyClasses:
            names = {"tokenizer": ("tokenizers", "Tokenizer")}

            def __getitem__(self, key):
                module_name, attr_name = self.names[key]
                return getattr(__import__(module_name, fromlist=[attr_name]), attr_name)

        weights = torch.ones(2, requires_grad=True)
        print(np.asarray([1.0, 2.0]), weights.detach().numpy())
        """,
    "a plugin loaded with __import__ in a function": """
        import numpy as np
        import torch

        def load(name):
            module = __import__(name)
            return module.build(torch.zeros(3, requires_grad=True))

        def summary(values):
            return np.mean(np.asarray(values, dtype=np.float32))
        """,
    "a module-level __import__ of numpy under another name": """
        import torch

        np_module = __import__("numpy")
        scores = torch.rand(3, requires_grad=True)
        table = np_module.zeros(3)
        print(table.sum(), scores.detach().sum())
        """,
    # x.name = v through a variable that holds no instance of the file's classes: the analysis
    # keeps it under that dotted name, so y.name on another object does not see it
    "a weight copied onto one module, the other converted": """
        import numpy as np
        import torch
        from ops import DeformConv

        gpu = DeformConv(3, 3).to("cuda")
        gpu.weight = torch.nn.Parameter(torch.ones_like(gpu.weight))
        cpu = DeformConv(3, 3).to("cpu")
        cpu.weight = torch.nn.Parameter(torch.ones_like(cpu.weight))
        print(np.allclose(gpu(1).detach().cpu().numpy(), cpu(1).detach().numpy()))
        """,
    "a helper adding a loss into a record's total, another record converted": """
        import types
        import numpy as np
        import torch

        def fill(buffer, value):
            buffer.add_(value)

        def step(stats, loss):
            fill(stats.total, loss)

        def show(run):
            print(np.asarray(run.total))

        weights = torch.ones(3, requires_grad=True)
        step(types.SimpleNamespace(total=torch.zeros(1)), (weights * 2).sum())
        show(types.SimpleNamespace(total=torch.zeros(1)))
        """,
    "records filled in a loop of a method, a summary of other records converted": """
        import numpy as np
        import torch
        from collections import namedtuple

        class Trainer:
            def __init__(self, model):
                self.model = model

            def fit(self, batches, log):
                for batch in batches:
                    entry = log.new()
                    entry.loss = self.model(batch).sum()
                    log.add(entry)

            def summary(self, baseline):
                return np.mean([np.asarray(row.loss) for row in baseline])

        Trainer(torch.nn.Linear(2, 1)).fit([torch.ones(2)], None)
        """,
    # an optimizer's parameter groups hold numbers under every key but "params"
    "learning rates of a scheduled optimizer collected in a test method": """
        import numpy as np
        import torch
        from torch import nn

        class TestScheduler:
            def test_warmup(self):
                p = nn.Parameter(torch.zeros(0))
                opt = torch.optim.SGD([p], lr=5)
                lrs = []
                for _ in range(30):
                    opt.step()
                    lrs.append(opt.param_groups[0]["lr"])
                assert np.allclose(lrs[:5], [5.0] * 5)
        """,
    "a module-level momentum read in a helper": """
        import numpy as np
        import torch

        model = torch.nn.Linear(3, 1)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

        def momentum():
            return np.float32(optimizer.param_groups[-1]["betas"][0])

        print(momentum(), np.log10(optimizer.param_groups[0]["lr"]))
        """,
    "the learning rate of an optimizer handed to a logging function": """
        import matplotlib.pyplot as plt
        import torch

        def log_rate(optimizer, history):
            history.append(optimizer.param_groups[0]["lr"])
            plt.plot(history)

        net = torch.nn.Linear(2, 2)
        log_rate(torch.optim.SGD(net.parameters(), lr=0.1), [])
        """,
    # calling an instance gives what its own class's __call__ returns, not what every method so named does
    "two callable classes at module level, the counting one converted": """
        import numpy as np
        import torch

        class Scale:
            def __init__(self):
                self.weight = torch.ones(3, requires_grad=True)

            def __call__(self, x):
                return self.weight * x

        class Length:
            def __call__(self, text):
                return len(text)

        scale = Scale()
        length = Length()
        print(np.asarray(length("tokens")), scale(2.0).detach())
        """,
    "a stored callable called in a method, another class's call giving a parameter": """
        import numpy as np
        import torch

        class Weights:
            def __init__(self):
                self.w = torch.nn.Parameter(torch.zeros(2))

            def __call__(self):
                return self.w

        class Tokens:
            def __call__(self, text):
                return [ord(c) for c in text]

        class Pipeline:
            def __init__(self):
                self.tokenize = Tokens()
                self.weights = Weights()

            def encode(self, text):
                return np.asarray(self.tokenize(text))
        """,
    "callable instances called in a loop, another class's call giving a tensor": """
        import numpy as np
        import torch

        class Noise:
            def __call__(self):
                return torch.randn(3, requires_grad=True)

        class Seed:
            def __init__(self, value):
                self.value = value

            def __call__(self):
                return self.value

        def seeds():
            makers = [Seed(1), Seed(2)]
            return [np.asarray(make()) for make in makers]

        print(seeds(), Noise()().detach())
        """,
    # self(x) in a method calls the instance (forward), it does not build another one
    "a method calling self on chunks, a constructor converting its configuration": """
        import numpy as np
        import torch
        from torch import nn

        class Decoder(nn.Module):
            def __init__(self, sizes):
                super().__init__()
                self.width = int(np.prod(sizes))
                self.proj = nn.Linear(4, 4)

            def forward(self, x):
                return self.proj(x)

            def chunked(self, x):
                codes = self.proj(x)
                return torch.cat([self(chunk) for chunk in codes.split(2)])

        Decoder([2, 2]).chunked(torch.rand(4, 4))
        """,
    "a loop appending self(batch), a constructor converting a list it is given": """
        import numpy as np
        import torch
        from torch import nn

        class Head(nn.Module):
            def __init__(self, anchors):
                super().__init__()
                self.anchors = np.asarray(anchors, dtype=np.float32)
                self.fc = nn.Linear(8, 2)

            def forward(self, x):
                return self.fc(x)

            def predict_all(self, batches):
                outputs = []
                for batch in batches:
                    outputs.append(self(batch))
                return outputs

        Head([1.0, 2.0]).predict_all([torch.rand(2, 8, requires_grad=True)])
        """,
    "a closure in a method calling self, the constructor converting its argument": """
        import numpy as np
        import torch
        from torch import nn

        class Smoother(nn.Module):
            def __init__(self, weights):
                super().__init__()
                self.initial = np.asarray(weights)
                self.fc = nn.Linear(3, 3)

            def forward(self, x):
                return self.fc(x)

            def smooth(self, x):
                def step(value):
                    return self(value) * 0.5
                return step(step(x))

        Smoother([1.0]).smooth(torch.rand(2, 3, requires_grad=True))
        """,
    # a function that changes one of its parameters changes the caller's argument for it, not the others
    "a helper appending a loss to a history, the step it is given converted": """
        import numpy as np
        import torch

        def add_loss(history, loss, step):
            history.append(loss)
            return step + 1

        weights = torch.ones(3, requires_grad=True)
        records, step = [], 0
        add_loss(records, (weights * 2).sum(), step)
        print(np.asarray(step), [r.item() for r in records])
        """,
    "a method filling a list it is handed, the count handed beside it converted": """
        import numpy as np
        import torch

        class Logger:
            def log(self, values, count):
                values.append(torch.rand(2, requires_grad=True) * 2)
                return count

            def run(self):
                values = []
                count = np.zeros(1)
                self.log(values, count)
                return np.asarray(count), len(values)
        """,
    "a pruning step changing a mask by keyword, the layer index converted in a loop": """
        import numpy as np
        import torch

        def prune(mask, layer_index, scores):
            mask.mul_(scores)
            return layer_index

        def run(model, x, layers):
            mask = torch.ones(4)
            for index in range(layers):
                scores = model(x)
                prune(mask=mask, layer_index=index, scores=scores)
                print(np.float32(index))
            return mask.detach()

        run(torch.nn.Linear(4, 4), torch.rand(4), 3)
        """,
    # calling a parameter runs what it holds, not the functions of the file named like it
    "a parameter named like a function of the file": """
        import numpy as np
        import torch

        def fn(x):
            return torch.ones(2, requires_grad=True) * x

        def apply(fn, x):
            return np.asarray(fn(x))

        apply(len, [1, 2])
        print(fn(2).detach())
        """,
    "a method calling the callback it is given, a function so named giving a tensor": """
        import numpy as np
        import torch

        def callback(step):
            return torch.full((2,), float(step), requires_grad=True)

        class Loop:
            def run(self, callback, steps):
                return [np.float32(callback(step)) for step in range(steps)]

        Loop().run(lambda step: step * 0.5, 3)
        """,
    "a lambda's parameter named like a function of the file": """
        import numpy as np
        import torch

        def f(v):
            return torch.tensor([v], requires_grad=True)

        transform = lambda f, v: np.asarray(f(v))
        print(transform(abs, -1.0), f(1.0).detach())
        """,
    # *args takes the positional arguments after the named parameters; **kwargs the keywords no
    # parameter is named for
    "a builder whose options are sizes, its named parameter a model output": """
        import numpy as np
        import torch

        def build(config, **options):
            return np.asarray(options.get("sizes", [1]))

        model = torch.nn.Linear(2, 2)
        build(model(torch.rand(1, 2)), sizes=[2, 3])
        """,
    "a method logging extra values, its message a loss": """
        import numpy as np
        import torch

        class Logger:
            def log(self, message, *values):
                print(message, np.asarray(values))

            def step(self, model, x):
                loss = model(x).sum()
                self.log(loss, 1, 2)

        Logger().step(torch.nn.Linear(2, 1), torch.rand(3, 2))
        """,
    "a constructor keeping extra sizes, its features a model output": """
        import numpy as np
        import torch

        class Head:
            def __init__(self, features, *sizes):
                self.features = features
                self.sizes = np.asarray(sizes)

        model = torch.nn.Linear(2, 2)
        Head(model(torch.rand(1, 2)), 3, 4)
        """,
    # an attribute read or written by a name the text does not show is no attribute the analysis
    # follows (an unknown value; a write nobody reads), as vars(x) and x.__dict__ are not
    "flags set on a class by computed names, another attribute converted": """
        import os
        import numpy as np
        import torch

        class Environment:
            flags = {}

            @classmethod
            def define(cls, name, default):
                value = os.getenv(name) or default
                setattr(cls, name.lower(), value)
                return value

        Environment.define("TEST_CUDA", torch.ones(1, requires_grad=True) * 2)
        seeds = np.asarray(Environment.flags.get("seeds", [0, 1]))
        """,
    "a label read by a computed name, beside a stored model": """
        import numpy as np
        import torch

        class Formatter:
            def __init__(self, model):
                self.model = model
                self.unit = "ms"

            def label(self, field):
                return np.char.upper(getattr(self, field))

        Formatter(torch.nn.Linear(2, 2)).label("unit")
        """,
    "keyword arguments stored through __dict__ and vars, another class's count converted": """
        import numpy as np
        import torch

        class Config:
            def __init__(self, **kwargs):
                self.__dict__.update(kwargs)
                vars(self).update(kwargs)

        class Trainer:
            def __init__(self):
                self.epochs = 3

            def schedule(self):
                return np.arange(self.epochs)

        Config(weight=torch.ones(2, requires_grad=True) * 2)
        Trainer().schedule()
        """,
    # a move to a torch.device that names the host places the tensor there, as "cpu" does
    "boxes moved to torch.device('cpu') in a helper": """
        import numpy as np
        import torch

        def rasterize(boxes):
            boxes = boxes.to(torch.device("cpu"))
            return [np.asarray(box) for box in boxes]

        rasterize(torch.zeros(4, 4, device="cuda"))
        """,
    "a module-level move with device=torch.device('cpu:0')": """
        import torch
        from torch import device

        points = torch.rand(8, 2).cuda()
        print(points.to(device=device("cpu:0")).numpy())
        """,
    "a method moving each output to the host in a loop": """
        import numpy as np
        import torch

        class Exporter:
            host = torch.device("cpu")

            def __init__(self):
                self.device = torch.device("cuda:0")

            def export(self, outputs):
                arrays = []
                for output in outputs:
                    arrays.append(np.asarray(output.to(torch.device("cpu")).detach()))
                return arrays

        Exporter().export([torch.ones(2, device="cuda")])
        """,
}


@pytest.mark.parametrize("source", _shapes(_CLEARED))
def test_the_walk_clears(source: str) -> None:
    assert _reaching(source)[0] == frozenset()
    _assert_same(textwrap.dedent(source))  # and the analysis finds nothing there either


def test_a_file_that_imports_no_converter_is_cleared_without_the_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reach, "_Flows", None)  # the walk would fail at once
    assert _reaching(_CLEARED["NumPy named only in a docstring and a comment"])[0] == frozenset()
    with pytest.raises(TypeError):
        _reaching(_FOLLOWED["numpy imported inside the function that converts"])


def test_a_commented_out_block_after_a_dot_is_read_in_linear_time() -> None:
    # A line ending in a dot, then a commented-out block: the first test for ``.numpy`` took
    # 0.3 s at 8 comment lines and 11 s at 10 (robustbench's eval.py hung the command line).
    source = "import numpy as np\nx = 1.\n" + "#     \n" * 400 + "y = np.zeros(2)\n"
    program = f"import ast\nfrom flake8_detach.analysis.reach import facts_reaching_conversions\n" \
              f"from flake8_detach.prefilter import Fact\nsource = {source!r}\n" \
              f"facts_reaching_conversions(ast.parse(source), frozenset(Fact), source)\n"
    subprocess.run([sys.executable, "-c", program], check=True, timeout=20)


def test_only_the_lines_a_fact_reaches_are_kept() -> None:
    source = """
        import numpy as np
        import torch

        def save(path, image):
            np.save(path, np.asarray(image))

        weight = torch.rand(3, requires_grad=True)
        print(weight.numpy())
        """
    kinds, lines = _reaching(source)
    assert kinds == {Fact.GRAD}
    assert lines == {_line_of(source, "weight.numpy()")}


# --- what it must follow: each construct in several shapes -------------------------------------

_FOLLOWED = {
    # a stored attribute holds a module of the file: calling it runs its forward
    "stored module at module level": """
        import numpy as np
        from torch import nn

        class Head(nn.Module):
            def forward(self, features):
                return np.asarray(features)

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(4, 4)
                self.head = Head()

            def forward(self, x):
                return self.head(self.body(x))
        """,
    "stored callable in a plain class": """
        import numpy as np
        import torch

        def to_array(t):
            return np.asarray(t)

        class Logger:
            def __init__(self):
                self.sink = to_array

            def log(self, t):
                return self.sink(t)

        Logger().log(torch.rand(2, requires_grad=True) * 2)
        """,
    "stored callable called in a loop": """
        import torch

        class Hooks:
            def __init__(self, convert):
                self.convert = convert

        hooks = Hooks(lambda t: t.numpy())
        w = torch.rand(3, requires_grad=True)
        for step in range(3):
            hooks.convert(w * step)
        """,
    # a library function that calls back what it is handed
    "map with a named function inside a method": """
        import torch

        def to_numpy(t):
            return t.numpy()

        class Evaluator:
            def run(self, model, batches):
                return list(map(to_numpy, [model(b) for b in batches]))

        Evaluator().run(torch.nn.Linear(2, 2), [torch.rand(1, 2)])
        """,
    "sorted key at module level": """
        import torch

        w = torch.rand(3, requires_grad=True)
        ranked = sorted([w * 1, w * 2], key=lambda t: float(t.numpy().sum()))
        """,
    "partial nested in a loop": """
        import functools
        import numpy as np
        import torch

        def scaled(t, factor):
            return np.asarray(t) * factor

        w = torch.rand(3, requires_grad=True)
        for factor in (1, 2):
            convert = functools.partial(scaled, factor=factor)
            convert(w * 2)
        """,
    # a class method that builds its instance through cls(...)
    "cls(...) stores a tensor converted later": """
        import torch

        class Record:
            def __init__(self, value):
                self.value = value

            @classmethod
            def of(cls, value):
                return cls(value)

            def array(self):
                return self.value.numpy()

        Record.of(torch.rand(2, requires_grad=True) + 1).array()
        """,
    # a helper changes the container it is handed
    "helper appends to the caller's list": """
        import numpy as np
        import torch

        def record(history, value):
            history.append(value)

        history = []
        w = torch.rand(3, requires_grad=True)
        record(history, w * 2)
        np.array(history)
        """,
    # grad off does not take grad from what is stored, appended or returned by the file
    "a leaf appended with grad off": """
        import numpy as np
        import torch

        history = []
        w = torch.zeros(3, requires_grad=True)
        with torch.no_grad():
            history.append(w)
        np.round(history[-1], 3)
        """,
    "a record built with grad off holds a leaf": """
        from collections import namedtuple
        import numpy as np
        import torch

        Pair = namedtuple("Pair", ["weight", "step"])
        w = torch.ones(3, requires_grad=True)
        with torch.no_grad():
            pair = Pair(w, 0)
        np.percentile(pair.weight, 90)
        """,
    "a helper called with grad off returns a parameter": """
        import torch

        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = torch.nn.Parameter(torch.ones(1))

            def current_scale(self):
                return self.scale

        net = Net()
        with torch.no_grad():
            scale = net.current_scale()
        scale.numpy()
        """,
    # devices: a name that says cuda, a string that names one, a tensor's device
    "device from a flag name": """
        import torch

        def run(use_cuda):
            x = torch.ones(3)
            if use_cuda:
                x = x.cuda()
            return x.numpy()
        """,
    "device through another tensor's device": """
        import numpy as np
        import torch

        anchor = torch.ones(3, device="cuda:0")
        other = torch.zeros(3).to(anchor.device)
        np.asarray(other)
        """,
    # ... and through a variable that may hold an instance (or the class) of the file's, every
    # read of that name in its methods sees it
    "an attribute set in a loop over instances, read by their method": """
        import numpy as np
        import torch

        class Tracker:
            def report(self):
                return np.asarray(self.value)

        trackers = [Tracker(), Tracker()]
        for tracker in trackers:
            tracker.value = torch.ones(2, requires_grad=True) * 3
        trackers[0].report()
        """,
    "an attribute set by a helper on the instance it is handed": """
        import numpy as np
        import torch

        class Meter:
            def summary(self):
                return np.mean(np.asarray(self.last))

        def record(meter, loss):
            meter.last = loss

        def train(weights):
            meter = Meter()
            for step in range(3):
                record(meter, (weights * step).sum())
            return meter.summary()

        train(torch.ones(3, requires_grad=True))
        """,
    "a class attribute set through a parameter holding the class": """
        import numpy as np
        import torch

        class Settings:
            scale = 1.0

            def scaled(self, x):
                return np.asarray(x * self.scale)

        def configure(cls):
            cls.scale = torch.tensor(2.0, requires_grad=True)

        configure(Settings)
        """,
    "an optimizer's parameters read from its groups": """
        import numpy as np
        import torch

        net = torch.nn.Linear(2, 2)
        optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
        print(np.asarray(optimizer.param_groups[0]["params"][0]))
        """,
    "a tensor the file writes into an optimizer's group": """
        import numpy as np
        import torch

        net = torch.nn.Linear(2, 2)
        optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
        optimizer.param_groups[0]["lr"] = net.weight.sum()
        print(np.asarray(optimizer.param_groups[0]["lr"]))
        """,
    "cls(...) in a classmethod builds an instance from what it is given": """
        import numpy as np
        import torch

        class Record:
            def __init__(self, values):
                self.values = np.asarray(values)

            @classmethod
            def from_model(cls, model, x):
                return cls(model(x))

        Record.from_model(torch.nn.Linear(2, 2), torch.rand(1, 2))
        """,
    "a helper appending a loss to the history it is given": """
        import numpy as np
        import torch

        def add_loss(history, loss, step):
            history.append(loss)
            return step + 1

        weights = torch.ones(3, requires_grad=True)
        records = []
        add_loss(records, (weights * 2).sum(), 0)
        print(np.asarray(records))
        """,
    "a helper changing the parameter named by a keyword": """
        import numpy as np
        import torch

        def update(value, stats):
            stats.append(value)

        stats = []
        update(stats=stats, value=torch.ones(2, requires_grad=True) * 3)
        np.asarray(stats)
        """,
    "a helper changing an argument through *args": """
        import numpy as np
        import torch

        def collect(*lists):
            lists[0].append(torch.ones(2, requires_grad=True) * 3)

        found = []
        collect(found)
        np.asarray(found)
        """,
    "a parameter called with a function of the file that gives a tensor": """
        import numpy as np
        import torch

        def fn(x):
            return torch.ones(2, requires_grad=True) * x

        def apply(fn, x):
            return np.asarray(fn(x))

        apply(fn, 2)
        """,
    "a tensor handed as a keyword no parameter is named for": """
        import numpy as np
        import torch

        def build(config, **options):
            return np.asarray(options["weights"])

        build(None, weights=torch.nn.Linear(2, 2).weight)
        """,
    "a tensor handed after the named parameters": """
        import numpy as np
        import torch

        def log(first, *values):
            return np.asarray(values)

        log(1, torch.nn.Linear(2, 2).weight)
        """,
    "an attribute set and read by names the text shows": """
        import numpy as np
        import torch

        class Box:
            pass

        box = Box()
        setattr(box, "weight", torch.ones(2, requires_grad=True) * 2)
        print(np.asarray(getattr(box, "weight")), np.asarray(box.weight))
        """,
    "a move to a torch.device that names an accelerator": """
        import torch

        points = torch.rand(8, 2)
        print(points.to(torch.device("cuda:0")).numpy())
        """,
    # x.name(...) runs what the file stored as x.name, whatever a tensor's member so named does
    "a function stored as self.log, called by another method": """
        import numpy as np
        import torch

        class Logger:
            def __init__(self):
                def keep(value):
                    print(np.array(value))
                self.log = keep

            def step(self, w):
                self.log((w * 3).sum())

        Logger().step(torch.ones(2, requires_grad=True))
        """,
    "a lambda stored as self.log growing a list another method converts": """
        import numpy as np
        import torch

        class Logger:
            def __init__(self):
                self.history = []
                self.log = lambda value: self.history.append(value)

            def step(self, w):
                self.log((w * 3).sum())
                return np.array(self.history)

        Logger().step(torch.ones(2, requires_grad=True))
        """,
    "a lambda set as an object's sum at module level": """
        import numpy as np
        import torch

        class Box:
            pass

        box = Box()
        box.sum = lambda t: np.asarray(t)
        box.sum(torch.ones(2, requires_grad=True) * 2)
        """,
    "a module of the file stored as self.norm": """
        import numpy as np
        import torch
        from torch import nn

        class Head(nn.Module):
            def forward(self, x):
                return np.asarray(x)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 2)
                self.norm = Head()

            def forward(self, x):
                return self.norm(self.fc(x))

        Net()(torch.ones(1, 2))
        """,
    # a converter is born at an import of a converting library wherever it stands, or at .numpy
    # however it is spelled
    "numpy imported inside the function that converts": """
        import torch

        def summarise(model, x):
            import numpy
            return numpy.mean(model(x))

        summarise(torch.nn.Linear(2, 1), torch.ones(2))
        """,
    "pyplot imported in a method, under a try": """
        import torch

        class Plotter:
            def show(self, weight):
                try:
                    from matplotlib import pyplot
                except ImportError:
                    return
                pyplot.plot(weight)

        Plotter().show(torch.nn.Linear(2, 2).weight)
        """,
    "a converting library imported in a with block, used in a loop": """
        import warnings
        import torch

        with warnings.catch_warnings():
            import pandas as tables

        for step in range(3):
            loss = torch.nn.Linear(2, 1)(torch.ones(2)).sum()
            tables.DataFrame({"loss": [loss]}).to_csv("losses.csv")
        """,
    ".numpy spelled across a line break, in brackets": """
        import torch

        weight = torch.nn.Linear(2, 2).weight
        print((weight.
               numpy()), weight . numpy(), weight. \\
              numpy())
        """,
}


@pytest.mark.parametrize("source", _shapes(_FOLLOWED))
def test_the_walk_follows(source: str) -> None:
    assert _reaching(source)[0], "a fact reaches a conversion here"


# --- variables, version by version: what a read may see -------------------------------------

_VERSIONS_FOLLOWED = {
    "value carried round a loop": """
        import numpy as np
        import torch

        model = torch.nn.Linear(3, 3)
        state = torch.zeros(3)
        for step in range(3):
            print(np.asarray(state))
            state = model(state)
        """,
    "join of branches in a method": """
        import numpy as np
        import torch

        class Probe:
            def run(self, x, fast):
                net = torch.nn.Linear(3, 3)
                out = x
                if fast:
                    out = net(x)
                return np.asarray(out)
        """,
    "a closure appends to a module list": """
        import numpy as np
        import torch

        history = []

        def record(t):
            history.append(t)

        w = torch.ones(3, requires_grad=True)
        record(w * 2)
        np.asarray(history)
        """,
    "global statement": """
        import numpy as np
        import torch

        best = None

        def update(t):
            global best
            best = t

        update(torch.ones(3, requires_grad=True) * 2)
        np.asarray(best)
        """,
    "walrus in a comprehension": """
        import numpy as np
        import torch

        w = torch.ones(3, requires_grad=True)
        last = None
        values = [(last := w * k) for k in range(3)]
        np.asarray(last)
        """,
    "nested function reads a variable rebound after it is defined": """
        import numpy as np
        import torch

        def run():
            x = torch.zeros(3)
            def show():
                return np.asarray(x)
            x = torch.ones(3, requires_grad=True) * 2
            return show()

        run()
        """,
    "while loop rebinding": """
        import numpy as np
        import torch

        w = torch.ones(3, requires_grad=True)
        x = torch.zeros(3)
        n = 0
        while n < 3:
            np.asarray(x)
            x = w * n
            n += 1
        """,
    "try body assigns, else converts": """
        import numpy as np
        import torch

        w = torch.ones(3, requires_grad=True)
        try:
            y = w * 2
        except ValueError:
            y = torch.zeros(3)
        else:
            np.asarray(y)
        """,
    "match case binds": """
        import numpy as np
        import torch

        w = torch.ones(3, requires_grad=True)
        z = torch.zeros(3)
        match 1:
            case 1:
                z = w * 3
        np.asarray(z)
        """,
    "with block rebinding then reading": """
        import numpy as np
        import torch

        w = torch.ones(3, requires_grad=True)
        with open(__file__) as handle:
            v = w * 2
        np.asarray(v)
        """,
    "a loop's else sees the loop's values": """
        import numpy as np
        import torch

        w = torch.ones(3, requires_grad=True)
        acc = torch.zeros(3)
        for k in range(2):
            acc = acc + w
        else:
            np.asarray(acc)
        """,
    "a generator expression reads the variable when consumed": """
        import numpy as np
        import torch

        w = torch.ones(3, requires_grad=True)
        t = torch.zeros(3)
        lazy = (np.asarray(t) for _ in range(1))
        t = w * 2
        list(lazy)
        """,
}


@pytest.mark.parametrize("source", _shapes(_VERSIONS_FOLLOWED))
def test_a_read_sees_every_value_that_can_reach_it(source: str) -> None:
    """Loops carry a value to their head, branches join, handlers and finally blocks may start
    anywhere in the body, and closures, global statements and := change a variable from outside
    the walk's order; a generator expression reads when it is consumed."""
    assert _reaching(source)[0], "a fact reaches a conversion here"
    _assert_same(textwrap.dedent(source))


# --- calls by name and attributes of self: what they must still reach ---------------------------

_CALLS_FOLLOWED = {
    "a subclass reads what its base stores in self": """
        import numpy as np
        import torch
        from torch import nn

        class Base(nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = nn.Parameter(torch.ones(3))

        class Child(Base):
            def report(self):
                return np.asarray(self.scale)

        Child().report()
        """,
    "a base's method reads what a subclass stores in self": """
        import numpy as np
        import torch
        from torch import nn

        class Base(nn.Module):
            def report(self):
                return np.asarray(self.scale)

        class Child(Base):
            def __init__(self):
                super().__init__()
                self.scale = nn.Parameter(torch.ones(3))

        Child().report()
        """,
    "a plain base's method reads what a subclass stores in self": """
        import numpy as np
        import torch

        class Base:
            def report(self):
                return np.asarray(self.values)

        class Child(Base):
            def __init__(self):
                self.values = torch.ones(3, requires_grad=True) * 2

        Child().report()
        """,
    "super().method(x) runs the base's method": """
        import numpy as np
        import torch

        class Base:
            def show(self, t):
                return np.asarray(t)

        class Child(Base):
            def show(self, t):
                return super().show(t * 2)

        w = torch.ones(3, requires_grad=True)
        Child().show(w)
        """,
    "Class.method(obj, x) hands x to the parameter after self": """
        import numpy as np
        import torch

        class Meter:
            def update(self, value):
                return np.asarray(value)

        meter = Meter()
        w = torch.ones(3, requires_grad=True)
        Meter.update(meter, w * 2)
        """,
    "classmethods called through cls and through the class": """
        import numpy as np
        import torch

        class Loader:
            @classmethod
            def build(cls, t):
                return cls.convert(t)

            @classmethod
            def convert(cls, t):
                return np.asarray(t)

        w = torch.ones(3, requires_grad=True)
        Loader.build(w * 2)
        """,
    "a function stored on a class is called as a method": """
        import numpy as np
        import torch

        def to_array(self, t):
            return np.asarray(t)

        class Exporter:
            export = to_array

        w = torch.ones(3, requires_grad=True)
        Exporter().export(w * 2)
        """,
    "an object's attribute written outside its class, read through self": """
        import numpy as np
        import torch

        class Holder:
            def show(self):
                return np.asarray(self.value)

        holder = Holder()
        holder.value = torch.ones(3, requires_grad=True) * 2
        holder.show()
        """,
    "a plain class's validation_step is an ordinary method": """
        import numpy as np
        import torch

        class Evaluator:
            def __init__(self):
                self.fc = torch.nn.Linear(4, 2)

            def validation_step(self, batch, index):
                return np.asarray(self.fc(batch))

        Evaluator().validation_step(torch.ones(1, 4), 0)
        """,
    "a module's training_step runs with grad on": """
        import numpy as np
        import torch
        from torch import nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)

            def training_step(self, batch, index):
                return np.asarray(self.fc(batch))
        """,
    "a loaded model called": """
        import numpy as np
        import torch

        model = torch.load("model.pt")
        print(np.asarray(model(torch.ones(1, 3))))
        """,
    "a model taken out of a checkpoint and called": """
        import numpy as np
        import torch

        checkpoint = torch.load("run.pt")
        net = checkpoint["model"]
        print(np.asarray(net(torch.ones(1, 3))))
        """,
    "a loaded model handed to a helper that calls it": """
        import numpy as np
        import torch

        def predict(model, x):
            return model(x)

        print(np.asarray(predict(torch.hub.load("repo", "net"), torch.ones(1, 3))))
        """,
}


@pytest.mark.parametrize("source", _shapes(_CALLS_FOLLOWED))
def test_calls_and_attributes_of_self_reach_what_they_can_run(source: str) -> None:
    """super() runs a base's method, Class.f(obj, x) and cls.f(x) hand x on by their own rule,
    self.x reads what a base or a subclass stores, and what code outside the class writes."""
    assert _reaching(source)[0], "a fact reaches a conversion here"
    _assert_same(textwrap.dedent(source))


# --- grad mode at a conversion: what must still reach it ----------------------------------------

_MODES_FOLLOWED = {
    "a helper called once with grad on": """
        import numpy as np
        import torch

        model = torch.nn.Linear(3, 3)

        def to_array(t):
            return np.asarray(t)

        with torch.no_grad():
            to_array(model(torch.ones(3)))
        to_array(model(torch.ones(3)))
        """,
    "grad switched on again inside a no_grad block": """
        import numpy as np
        import torch

        weight = torch.nn.Parameter(torch.ones(3))
        with torch.no_grad():
            with torch.enable_grad():
                np.asarray(weight * 2)
        """,
    "grad switched on by a statement inside a no_grad block": """
        import numpy as np
        import torch

        weight = torch.nn.Parameter(torch.ones(3))
        with torch.no_grad():
            torch.set_grad_enabled(True)
            np.asarray(weight * 2)
        """,
    "inference_mode(False) switches nothing off": """
        import numpy as np
        import torch

        weight = torch.nn.Parameter(torch.ones(3))
        with torch.inference_mode(False):
            np.asarray(weight * 2)
        """,
    "a helper handed on as a value": """
        import numpy as np
        import torch

        model = torch.nn.Linear(3, 3)

        def to_array(t):
            return np.asarray(t)

        with torch.no_grad():
            to_array(model(torch.ones(3)))
        convert = to_array
        convert(model(torch.ones(3)))
        """,
    "a helper called by name through getattr": """
        import numpy as np
        import torch

        class Probe:
            def __init__(self):
                self.net = torch.nn.Linear(3, 3)

            def dump(self, x):
                return np.asarray(self.net(x))

            def run(self, x):
                with torch.no_grad():
                    self.dump(x)
                return getattr(self, "dump")(x)

        Probe().run(torch.ones(3))
        """,
}


@pytest.mark.parametrize("source", _shapes(_MODES_FOLLOWED))
def test_a_conversion_that_may_run_with_grad_on_is_kept(source: str) -> None:
    """A helper one of whose calls runs with grad on, or that is handed on as a value or called
    through getattr; grad switched on again by a block or by a statement; inference_mode(False)."""
    assert _reaching(source)[0], "a fact reaches a conversion here"
    _assert_same(textwrap.dedent(source))
