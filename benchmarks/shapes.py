"""Generated stress shapes for ``bench.py --generated``: one kind of code repeated to a size.

Each shape repeats a unit (formatted with its number ``k`` and an earlier unit's number ``j``)
after a header until the file has the asked number of lines.  A shape stresses one way the
analysis could grow faster than the code: the same names bound again and again, many findings,
one long function, many small functions calling each other, deep nesting, many classes whose
methods write and read ``self`` attributes (heap and re-interpretation rounds), and helpers
called with model instances and functions (summaries specialised per argument).
"""

from __future__ import annotations

import random
from typing import Callable, Dict

HEADER = '''"""Stress shape '{shape}' written by benchmarks/bench.py --generated."""

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

'''

# Module-level code rebinding the same five names: every unit reads what the one before bound.
REBINDING = '''
x = torch.randn(3, requires_grad=True)
y = x * {a}
x = {detach}
z = np.mean(x.numpy())
print(z, y.shape)
'''

# Findings everywhere: grad tensors converted at module level and in functions.
FINDINGS = '''
w_{k} = torch.zeros({a}, requires_grad=True)
loss_{k} = (w_{k} * 2).sum()
print(loss_{k}.numpy(), np.asarray(w_{k}), float(np.mean(w_{k} * 3)))


def plot_{k}(values):
    grad_values = torch.ones({a}, requires_grad=True) * values
    plt.plot(grad_values)
    return grad_values.numpy(), np.array(grad_values)
'''

# One function whose body grows: every unit adds local names, branches and a loop.
LONG_FUNCTION_HEAD = '''
def train(model, loader, optimizer, steps={a}):
    x = torch.randn(4, {a})
    total = torch.zeros(())
    losses = []
'''
LONG_FUNCTION_UNIT = '''
    h_{k} = model(x)
    if h_{k}.sum() > {a}:
        x = h_{k} * 2
    else:
        x = h_{k}.detach()
    for step in range(steps):
        total = total + x.mean()
        losses.append(x.sum().item())
    print("block {k}", np.mean(h_{k}.detach().numpy()), np.asarray(losses).mean())
'''
LONG_FUNCTION_TAIL = '''
    return total.detach().numpy()
'''

# Thousands of small functions: helpers, callers of earlier helpers, converting helpers.
SMALL_FUNCTIONS = '''
def scale_{k}(t):
    return t * {a}


def chain_{k}(x):
    return scale_{j}(scale_{k}(x))


def to_array_{k}(t):
    return t.detach().cpu().numpy()


def show_{k}(model, x):
    return to_array_{j}(chain_{k}(model(x)))
'''

# Blocks nested to the depth real code reaches, and closures three deep.
DEEP_NESTING = '''
def nested_{k}(model, batches, flag={a}):
    results = []
    for batch in batches:
        if batch is not None:
            with torch.no_grad():
                for i in range(2):
                    try:
                        while i < flag:
                            if i % 2:
                                for j in range(i):
                                    if j:
                                        results.append(model(batch).numpy())
                            i += 1
                    except ValueError:
                        continue
            out = model(batch)
            if flag:
                results.append(out.detach().numpy())

    def outer(t):
        def middle(u):
            def inner(v):
                return np.asarray(v.detach())
            return inner(u * 2)
        return middle(t + 1)
    return results, outer(model(batches[0]))
'''

# Classes whose methods read attributes written by methods defined after them (``show`` reads
# ``history`` before ``update`` appends to it): the heap, replayed writes and further rounds.
CLASSES_WITH_STATE = '''
class Tracker{k}(nn.Module):
    def __init__(self, size={a}):
        super().__init__()
        self.layer = nn.Linear(size, 2)
        self.history = []
        self.best = None

    def show(self):
        return np.array(self.history), self.best.numpy()

    def update(self, x):
        out = self.layer(x)
        self.history.append(out.sum())
        self.best = out
        return self


class Recorder{k}:
    def __init__(self, tracker):
        self.tracker = tracker
        self.seen = {{}}

    def record(self, phase, x):
        self.seen.setdefault(phase, []).append(self.tracker(x))

    def dump(self):
        return {{phase: np.stack(values) for phase, values in self.seen.items()}}


tracker_{k} = Tracker{k}()
tracker_{k}.update(torch.randn(3, {a}))
recorder_{k} = Recorder{k}(tracker_{j})
recorder_{k}.record("train", torch.randn(3, {a}))
print(tracker_{k}.show(), recorder_{k}.dump())
'''

# Helpers called with instances of the file's models and with functions: summaries
# specialised per argument, shared helpers called from everywhere.
HELPERS_WITH_ARGUMENTS_HEAD = '''
def run_with(fn, x):
    return np.asarray(fn(x))


def predict(net, batch):
    return net(batch).numpy()
'''
HELPERS_WITH_ARGUMENTS = '''
class Net{k}(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear({a}, {a})

    def forward(self, x):
        return F.relu(self.fc(x))


def apply_{k}(fn, x, scale={a}):
    return fn(x * scale).detach().numpy(), run_with(fn, x)


def evaluate_{k}(net, batch, detach=True):
    out = net(batch)
    return out.detach().numpy() if detach else out.numpy()


net_{k} = Net{k}()
batch_{k} = torch.randn(2, {a})
print(predict(net_{k}, batch_{k}), evaluate_{k}(net_{k}, batch_{k}), evaluate_{j}(net_{k}, batch_{k}, False))
print(apply_{k}(net_{k}, batch_{k}), apply_{j}(torch.sigmoid, batch_{k}), run_with(lambda t: t * {a}, batch_{k}))
'''


def _repeated(shape: str, unit: str, lines: int, rng: random.Random, head: str = "", tail: str = "") -> str:
    parts = [HEADER.format(shape=shape), head]
    count = sum(part.count("\n") for part in parts) + tail.count("\n")
    k = 0
    while count < lines:
        text = unit.format(k=k, j=rng.randint(0, k), a=rng.randint(2, 64),
                           detach="y.detach()" if k % 2 else "y")
        parts.append(text)
        count += text.count("\n")
        k += 1
    parts.append(tail)
    return "".join(parts)


def _shape(unit: str, head: str = "", tail: str = "") -> Callable[[str, int, random.Random], str]:
    return lambda name, lines, rng: _repeated(name, unit, lines, rng, head, tail)


SHAPES: Dict[str, Callable[[str, int, random.Random], str]] = {
    "rebinding": _shape(REBINDING),
    "findings": _shape(FINDINGS),
    "long-function": _shape(LONG_FUNCTION_UNIT, LONG_FUNCTION_HEAD, LONG_FUNCTION_TAIL),
    "small-functions": _shape(SMALL_FUNCTIONS),
    "deep-nesting": _shape(DEEP_NESTING),
    "classes-with-state": _shape(CLASSES_WITH_STATE),
    "helpers-with-arguments": _shape(HELPERS_WITH_ARGUMENTS, HELPERS_WITH_ARGUMENTS_HEAD),
}


def shape_source(shape: str, lines: int, seed: int = 0) -> str:
    """About ``lines`` lines of the named shape (whole units; always valid Python)."""
    return SHAPES[shape](shape, lines, random.Random(seed + lines))
