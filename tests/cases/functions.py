# Functions as values: functions and lambdas passed as arguments, functools.partial, callbacks
# in lists and dicts, map/filter/sorted(key=...), *args and **kwargs; summaries specialised for
# literal flags and defaults (as_array(t, safe=True)) and for instances of the file's classes.

# case: helper-calls-the-function-it-is-given
import torch


def to_numpy(t):
    return t.numpy()  # expect: DET103


def run_with(fn, batch):
    return fn(batch)


w = torch.rand(3, requires_grad=True)
arr = run_with(to_numpy, w * 2)  # expect: DET101

# case: lambda-passed-to-a-helper
import numpy as np
import torch


def apply(transform, value):
    return transform(value)


w = torch.rand(3, requires_grad=True)
out = apply(lambda t: np.asarray(t), w + 1)  # expect: DET102

# case: lambda-passed-to-a-helper-with-detached-argument
import numpy as np
import torch


def apply(transform, value):
    return transform(value)


w = torch.rand(3, requires_grad=True)
out = apply(lambda t: np.asarray(t), (w + 1).detach())

# case: sort-key-converts-each-candidate
import torch

w = torch.rand(3, requires_grad=True)
candidates = [w * 1, w * 2, w * 3]
best = max(candidates, key=lambda c: c.numpy().sum())  # expect: DET101

# case: sort-key-on-detached-candidates
import torch

w = torch.rand(3, requires_grad=True)
candidates = [(w * i).detach() for i in range(3)]
best = sorted(candidates, key=lambda c: c.numpy().sum())

# case: map-converts-model-outputs
import numpy as np
import torch

net = torch.nn.Linear(4, 2)
outputs = [net(torch.rand(1, 4)) for _ in range(3)]
arrays = list(map(np.asarray, outputs))  # expect: DET102

# case: map-with-a-function-of-the-file
import torch


def to_numpy(t):
    return t.cpu().numpy()  # expect: DET103


net = torch.nn.Linear(4, 2)
outputs = [net(torch.rand(1, 4)) for _ in range(3)]
arrays = list(map(to_numpy, outputs))  # expect: DET101

# case: partial-binds-the-tensor
import functools

import matplotlib.pyplot as plt
import torch


def draw(values, color):
    plt.plot(values, color=color)


w = torch.rand(3, requires_grad=True)
draw_red = functools.partial(draw, color="red")
draw_red(w * 2)  # expect: DET102

# case: callbacks-in-a-list-called-in-a-loop
import numpy as np
import torch


def log_mean(t):
    print(np.mean(t.numpy()))  # expect: DET103


def log_max(t):
    print(t.max().item())


callbacks = [log_mean, log_max]
w = torch.rand(3, requires_grad=True)
for callback in callbacks:
    callback(w * 2)  # expect: DET101

# case: callbacks-in-a-dict-called-by-name
import matplotlib.pyplot as plt
import torch


def plot_curve(t):
    plt.plot(t)


def print_curve(t):
    print(t.tolist())


handlers = {"plot": plot_curve, "print": print_curve}
net = torch.nn.Linear(2, 5)
handlers["plot"](net(torch.rand(1, 2))[0])  # expect: DET102

# case: default-flag-detaches
import torch


def as_array(t, safe=True):
    if safe:
        t = t.detach()
    return t.numpy()  # expect: DET103


w = torch.rand(3, requires_grad=True)
arr = as_array(w * 2)

# case: flag-turned-off-at-the-call
import torch


def as_array(t, safe=True):
    if safe:
        t = t.detach()
    return t.numpy()  # expect: DET103


w = torch.rand(3, requires_grad=True)
arr = as_array(w * 2, safe=False)  # expect: DET101

# case: grad-mode-flag-from-the-caller
import numpy as np
import torch


def evaluate(net, batch, train):
    with torch.set_grad_enabled(train):
        return np.asarray(net(batch))


layer = torch.nn.Linear(4, 2)
scores = evaluate(layer, torch.rand(2, 4), False)

# case: grad-mode-flag-from-the-caller-on
import numpy as np
import torch


def evaluate(net, batch, train):
    with torch.set_grad_enabled(train):
        return np.asarray(net(batch))


layer = torch.nn.Linear(4, 2)
scores = evaluate(layer, torch.rand(2, 4), True)  # expect: DET102

# case: star-args-stacked-and-converted
import numpy as np
import torch


def stack_all(*tensors):
    return np.stack([t.mean() for t in tensors])


w = torch.rand(3, requires_grad=True)
stacked = stack_all(w * 1, w * 2)  # expect: DET102

# case: keyword-arguments-logged
import numpy as np
import torch


def log_metrics(**metrics):
    for name, value in metrics.items():
        print(name, np.asarray(value))


w = torch.rand(3, requires_grad=True)
log_metrics(loss=(w ** 2).sum(), scale=2.0)  # expect: DET102

# case: classmethod-called-through-cls
import torch


class Converter:
    @classmethod
    def convert(cls, t):
        return cls.to_numpy(t)

    @staticmethod
    def to_numpy(t):
        return t.numpy()  # expect: DET103


w = torch.rand(3, requires_grad=True)
arr = Converter.convert(w * 2)  # expect: DET101

# case: static-method-called-through-self-is-not-handed-the-module
import numpy as np
import torch


class BlockAttention(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(4, 4)

    @staticmethod
    def plan(length, block):
        lengths = []
        lengths.append(length)
        lengths.append(block)
        return lengths

    def forward(self, x):
        plan = self.plan(8, 2)
        return self.proj(x) * float(np.array(plan).sum())


out = BlockAttention()(torch.rand(2, 4))

# case: static-method-called-through-self-with-a-grad-tensor
import numpy as np
import torch


class Scorer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.head = torch.nn.Linear(4, 1)

    @staticmethod
    def summarise(scale, values):
        return np.asarray(values).mean() * scale

    def forward(self, x):
        return self.summarise(2.0, self.head(x))  # expect: DET102


Scorer()(torch.rand(3, 4))

# case: static-method-handed-on-through-an-instance
import numpy as np
import torch


class Report:
    @staticmethod
    def as_array(first, second):
        return np.asarray(second)

    def writer(self):
        return self.as_array


w = torch.rand(3, requires_grad=True)
write = Report().writer()
write(w.detach(), 1.0)
write(1.0, w * 2)  # expect: DET102

# case: model-instance-passed-to-an-evaluation-function
import matplotlib.pyplot as plt
import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)

    def forward(self, x):
        self.attention = torch.softmax(self.fc(x), dim=1)
        return self.attention.sum(dim=1)


def accuracy(model, batches):
    total = 0.0
    for batch in batches:
        total += model(batch).sum().item()
    return total


net = Net()
net(torch.rand(2, 4)).sum().backward()
with torch.set_grad_enabled(False):
    accuracy(net, [torch.rand(2, 4)])
plt.imshow(net.attention)

# case: generator-yields-model-outputs
import matplotlib.pyplot as plt
import torch


def predictions(net, batches):
    for batch in batches:
        yield net(batch)


layer = torch.nn.Linear(4, 2)
for out in predictions(layer, [torch.rand(3, 4), torch.rand(3, 4)]):
    plt.plot(out[:, 0])  # expect: DET102

# case: generator-yields-detached-outputs
import matplotlib.pyplot as plt
import torch


def predictions(net, batches):
    for batch in batches:
        yield net(batch).detach()


layer = torch.nn.Linear(4, 2)
for out in predictions(layer, [torch.rand(3, 4), torch.rand(3, 4)]):
    plt.plot(out[:, 0])

# case: generator-delegates-with-yield-from
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)


def scaled(factors):
    yield from (w * factor for factor in factors)


stacked = [np.asarray(t) for t in scaled([1.0, 2.0])]  # expect: DET102

# case: main-block-globals-read-by-a-function
import numpy as np
import torch


def evaluate(batch):
    return np.asarray(net(batch))  # expect: DET102


if __name__ == "__main__":
    net = torch.nn.Linear(4, 2)
    evaluate(torch.rand(2, 4))

# case: loss-function-passed-down-two-levels
import matplotlib.pyplot as plt
import torch


def step(model, batch, target, loss_fn):
    return loss_fn(model(batch), target)


def train(model, loss_fn=torch.nn.MSELoss()):
    history = []
    for _ in range(2):
        history.append(step(model, torch.rand(3, 4), torch.rand(3, 2), loss_fn))
    return history


plt.plot(train(torch.nn.Linear(4, 2)))  # expect: DET102

# case: model-instance-argument-converted-inside-a-helper-of-a-helper
import numpy as np
import torch


class Head(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(x)


def summarise(scores):
    return [s.numpy() for s in scores]  # expect: DET103


def report(model, batches):
    outputs = [model(batch) for batch in batches]
    return summarise(outputs)  # expect: DET101


report(Head(), [torch.rand(2, 4)])

# case: requires-grad-set-on-an-attribute-of-an-argument
import numpy as np
import torch


class State:
    def __init__(self, positions):
        self.positions = positions


def relax(state):
    state.positions.requires_grad_(True)
    return state


relaxed = relax(State(torch.rand(4, 3)))
np.asarray(relaxed.positions)  # expect: DET102

# case: arguments-spread-from-a-list
import torch


def show(first, second):
    print(first.numpy(), second.numpy())  # expect: DET103


w = torch.rand(3, requires_grad=True)
maps = [w * 2, w * 3]
show(*maps)  # expect: DET101

# case: super-init-stores-the-metric-function
import numpy as np
import torch


class Metric:
    def __init__(self, function, running=True):
        self.function = function
        self.running = running
        self.values = []

    def update(self, value):
        self.values.append(value)
        if self.running:
            return self.function(self.values)
        return None

    def final(self):
        return self.function(self.values)  # expect: DET102


class MeanMetric(Metric):
    def __init__(self):
        super().__init__(lambda values: np.mean(values), running=False)


w = torch.rand(3, requires_grad=True)
metric = MeanMetric()
metric.update((w * 2).sum())
print(metric.final())

# case: decorator-of-the-file-wraps-a-function
import numpy as np
import torch


def to_arrays(fn):
    def wrapper(*args):
        return fn(*[np.asarray(a) for a in args])
    return wrapper


@to_arrays
def total(a, b):
    return a.sum() + b.sum()


w = torch.rand(3, requires_grad=True)
print(total(w * 2, w * 3))  # expect: DET102

# case: decorator-of-the-file-wraps-a-method
import torch


def as_numpy(fn):
    def wrapper(self, tensor):
        return fn(self, tensor.cpu().numpy())  # expect: DET103
    return wrapper


class Plotter:
    @as_numpy
    def show(self, array):
        return array.mean()


net = torch.nn.Linear(4, 4)
Plotter().show(net(torch.rand(2, 4)))  # expect: DET101

# case: short-circuit-on-a-false-flag
import torch

VERBOSE = False
w = torch.rand(3, requires_grad=True)
if VERBOSE and w.sum() > 0:
    print((w * 2).numpy())

# case: helper-reads-a-plain-attribute-of-a-model-argument
# What a helper reads from a model by a name no API knows is whatever the model holds there
# (a list of class names), not its output: no grad.
import numpy as np
import torch.nn as nn

net = nn.Linear(3, 2)
net.class_names = ["cat", "dog"]


def names_of(model):
    return np.array(model.class_names)


table = names_of(net)

# case: method-indexes-a-table-held-by-an-inferred-model
# The model is only known from .state_dict(); the helper of a helper indexes its character table.
import numpy as np
import torch
from thirdparty.models import build_model

model = build_model("char-rnn")
model.char2int = {"a": 0, "b": 1}
checkpoint = {"state_dict": model.state_dict()}


class Sampler:
    def encode(self, net, char):
        return np.array([[net.char2int[char]]])

    def run(self, net, prime):
        return [self.encode(net, ch) for ch in prime]


codes = Sampler().run(model, "ab")

# case: loop-over-an-attribute-of-a-model-argument
import numpy as np
import torch.nn as nn

layer = nn.Linear(2, 2)
layer.thresholds = [0.1, 0.5]


def report(model):
    for value in model.thresholds:
        print(np.asarray(value))


report(layer)

# case: helper-converts-a-weight-reached-through-a-submodule-of-a-model-argument
# A submodule's weight is a parameter: the attribute chain still ends in grad.
import numpy as np
import torch.nn as nn

block = nn.TransformerEncoderLayer(d_model=4, nhead=2)


def first_weights(model):
    return np.asarray(model.linear1.weight)  # expect: DET103


weights = first_weights(block)  # expect: DET102

# case: library-converter-passed-as-a-callback
import numpy as np
import torch


def run(fn, x):
    return fn(x)


t = torch.ones(2, requires_grad=True)
run(np.asarray, t.detach())
run(np.asarray, t)  # expect: DET102

# case: plotting-function-as-a-default-callback-of-a-method
import matplotlib.pyplot as plt
import torch


class Logger:
    def log(self, series, draw=plt.plot):
        draw(series)


w = torch.zeros(3, requires_grad=True)
Logger().log(w * 2, draw=print)
Logger().log(w * 2)  # expect: DET102

# case: library-converter-called-back-in-a-loop
import numpy as np
import torch


def each(fn, batches):
    return [fn(batch) for batch in batches]


loss = torch.ones(1, requires_grad=True) * 2
each(np.asarray, [loss.item(), 1.0])
each(np.asarray, [loss])  # expect: DET102

# case: helper-returns-one-position-of-its-star-arguments
# An element of a parameter is that element of what the call passes: xs[1] is the second
# argument, not the whole tuple, and not the first.
import torch
import torch.nn as nn

model = nn.Linear(3, 2)


def second(*xs):
    return xs[1]


picked = second(torch.zeros(3), model.weight)
plain = second(model.weight, torch.zeros(3))
print(plain.numpy())
print(picked.numpy())  # expect: DET101

# case: method-negates-the-first-of-a-pair-it-is-given
import torch
import torch.nn as nn


class Scorer:
    def __init__(self):
        self.head = nn.Linear(4, 1)

    def margin(self, pair):
        return -pair[0]

    def run(self, x):
        return self.margin((self.head(x), torch.ones(1)))


scorer = Scorer()
values = scorer.margin((torch.ones(2), scorer.head.weight))
print(values.numpy())
print(scorer.run(torch.randn(2, 4)).numpy())  # expect: DET101

# case: helper-unpacks-a-batch-and-returns-its-last-item
import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(5, 2)


def last(batch):
    inputs, *middle, logits = batch
    return logits


for step in range(2):
    x = torch.randn(3, 5)
    plain = last((x, x, torch.zeros(2)))
    print(np.asarray(plain))
    print(np.asarray(last((x, model(x)))))  # expect: DET102

# case: keyword-arguments-read-by-key
import numpy as np
import torch


def report(**metrics):
    return np.asarray(metrics["accuracy"]), metrics["loss"]


w = torch.rand(3, requires_grad=True)
accuracy, loss = report(loss=(w ** 2).sum(), accuracy=0.5)
print(accuracy, loss.numpy())  # expect: DET101

# case: property-returning-a-parameter
# Reading a property runs it: what it returns is what the attribute gives.
import numpy as np
import torch
import torch.nn as nn


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 3)

    @property
    def kernel(self):
        return self.linear.weight * 2

    @property
    def frozen_kernel(self):
        return self.linear.weight.detach()


layer = Scaled()
print(np.linalg.norm(layer.frozen_kernel))
print(np.linalg.norm(layer.kernel))  # expect: DET102

# case: property-of-a-result-object-read-in-a-method
# A property that computes from what the constructor stored, read by another method.
import torch


class Fit:
    def __init__(self, model, x):
        self.output = model(x)

    @property
    def probabilities(self):
        return torch.softmax(self.output, dim=-1)

    def table(self):
        return self.probabilities.numpy()  # expect: DET101


fit = Fit(torch.nn.Linear(4, 2), torch.rand(3, 4))
print(fit.table())

# case: property-read-under-no-grad
# Under no_grad the property's computation records no graph; outside it, it does.
import numpy as np
import torch

weights = torch.nn.Parameter(torch.ones(4))


class View:
    @property
    def doubled(self):
        return weights * 2


view = View()
with torch.no_grad():
    safe = np.asarray(view.doubled)
risky = np.asarray(view.doubled)  # expect: DET102

# case: custom-autograd-function-output-of-a-parameter
# Fn.apply(x) runs the Function's forward with grad off, but its output requires grad when an
# input does (autograd records the Function itself).
import numpy as np
import torch


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


w = torch.nn.Parameter(torch.ones(3))
print(Square.apply(w.detach()).numpy())
print(np.asarray(Square.apply(torch.ones(3))))
print(Square.apply(w).numpy())  # expect: DET101

# case: custom-autograd-function-applied-in-a-helper
# The same through a helper and under no_grad: only the call with grad on raises.
import matplotlib.pyplot as plt
import torch


class ClampGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, bound):
        return x.clamp(-bound, bound)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def clipped(model, batch):
    return ClampGrad.apply(model(batch), 1.0)


net = torch.nn.Linear(2, 2)
with torch.no_grad():
    plt.plot(clipped(net, torch.rand(4, 2)))
plt.plot(clipped(net, torch.rand(4, 2)))  # expect: DET102

# case: decorator-wrapper-forwards-args-and-kwargs-to-a-converting-function
import functools
import torch
import torch.nn as nn


def timed(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


@timed
def to_np(t):
    return t.numpy()  # expect: DET103


to_np(nn.Linear(2, 2)(torch.randn(1, 2)))  # expect: DET101

# case: two-functions-decorated-by-one-wrapper-each-run-their-own
import numpy as np
import torch
import torch.nn as nn


def logged(fn):
    def wrapper(*args, **kwargs):
        print("calling", fn.__name__)
        return fn(*args, **kwargs)
    return wrapper


@logged
def predict(model, x):
    return model(x).softmax(-1)


@logged
def load(n):
    return torch.randn(n, 2)


probs = predict(nn.Linear(2, 3), load(4))
print(np.asarray(probs))  # expect: DET102

# case: method-forwards-star-args-to-another-method-by-position
import numpy as np
import torch


class Evaluator:
    def __init__(self):
        self.net = torch.nn.Linear(2, 1)

    def forward_all(self, *batches):
        return self.score(*batches)

    def score(self, inputs, targets):
        return (self.net(inputs) - targets).abs()


errors = Evaluator().forward_all(torch.randn(3, 2), torch.randn(3, 1))
print(np.asarray(errors))  # expect: DET102

# case: helper-returns-what-its-model-parameter-gives
import torch
import torch.nn as nn


def run(model):
    return model(torch.randn(1, 2))


print(run(nn.Linear(2, 2)).numpy())  # expect: DET101

# case: decorated-helper-returning-a-detached-output-stays-clean
import numpy as np
import torch
import torch.nn as nn


def logged(fn):
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


@logged
def predict(model, x):
    return model(x).softmax(-1).detach()


@logged
def load(n):
    return torch.randn(n, 2)


print(np.asarray(predict(nn.Linear(2, 3), load(4))))

# case: star-args-helper-computes-from-its-first-element
import torch
import torch.nn as nn


def first_of(*tensors):
    return tensors[0].mean(dim=0)


model = nn.Linear(3, 3)
logits = model(torch.randn(4, 3))
score = first_of(logits, torch.zeros_like(logits))
print(score.numpy())  # expect: DET101

# case: method-star-args-computes-from-its-last-element
import numpy as np
import torch


class Head:
    def __init__(self):
        self.net = torch.nn.Linear(2, 4)

    def last_probs(self, *outputs):
        return outputs[-1].softmax(-1)

    def report(self, x):
        probs = self.last_probs(x, self.net(x))
        return np.round(np.asarray(probs), 2)  # expect: DET102


Head().report(torch.randn(3, 2))

# case: star-args-helper-computes-from-an-element-without-grad-stays-clean
import numpy as np
import torch
import torch.nn as nn


def second_of(*tensors):
    return tensors[1].mean(dim=0)


model = nn.Linear(3, 3)
logits = model(torch.randn(4, 3))
print(np.asarray(second_of(logits, torch.zeros_like(logits))))

# case: closure-over-a-model-parameter-transformed-by-vmap-and-jacrev
import numpy as np
import torch
from torch.func import jacrev, vmap


def log_det(flow, x):
    f = lambda v: flow(v)
    jac = vmap(jacrev(f))(x)
    return np.linalg.slogdet(jac)


log_det(torch.nn.Linear(3, 3), torch.randn(4, 3))  # expect: DET102

# case: nested-function-calls-the-enclosing-functions-model
import numpy as np
import torch
from torch.func import jacrev, vmap


def log_det(flow, x):
    def f(v):
        return flow(v)
    jac = f(x)
    return np.asarray(jac).sum()


log_det(torch.nn.Linear(3, 3), torch.randn(4, 3))  # expect: DET102

# case: method-runs-a-nested-helper-over-its-model-argument
import numpy as np
import torch


class Evaluator:
    def scores(self, model, batches):
        def run(batch):
            return model(batch).softmax(-1)

        return [np.asarray(run(b)) for b in batches]


Evaluator().scores(torch.nn.Linear(3, 2), [torch.randn(2, 3)])  # expect: DET102

# case: a-base-method-run-through-super-calls-the-subclass-override
import numpy as np
import torch
import torch.nn as nn


class Evaluator:
    def __init__(self, model):
        self.model = model

    def logits(self, x):
        with torch.no_grad():
            return self.model(x)

    def probabilities(self, logits):
        return torch.softmax(logits, dim=-1).numpy()  # expect: DET103

    def evaluate(self, x):
        return self.probabilities(self.logits(x)).max(1).mean()  # expect: DET101


class AugmentedEvaluator(Evaluator):
    def logits(self, x):
        return (self.model(x) + self.model(x.flip(-1))) / 2

    def evaluate(self, x):
        return {"score": super().evaluate(x), "views": 2}


print(AugmentedEvaluator(nn.Linear(4, 3)).evaluate(torch.rand(5, 4)))

# case: a-base-step-converting-what-the-subclass-features-give-through-super
import numpy as np
import torch
import torch.nn as nn


class Probe:
    def __init__(self):
        self.net = nn.Linear(3, 2)
        self.rows = []

    def features(self, x):
        return self.net(x).detach()

    def step(self, x):
        self.rows.append(self.features(x).numpy())  # expect: DET101


class FineProbe(Probe):
    def features(self, x):
        return self.net(x) * 2

    def step(self, x):
        super().step(x)
        return len(self.rows)


print(FineProbe().step(torch.rand(2, 3)))

# case: a-logger-subclass-formats-without-detaching-and-logs-through-super-in-a-loop
import numpy as np
import torch
import torch.nn as nn


class Logger:
    def __init__(self):
        self.rows = []

    def format(self, out):
        return out.detach()

    def log(self, out):
        self.rows.append(np.asarray(self.format(out)))


class ScaledLogger(Logger):
    def format(self, out):
        return out * 10

    def log(self, out):
        super().log(out)


def train(steps):
    net = nn.Linear(2, 1)
    logger = ScaledLogger()
    for _ in range(steps):
        logger.log(net(torch.rand(3, 2)))  # expect: DET102
    return logger.rows


print(len(train(2)))

# case: metrics-dict-unpacked-into-a-tracker-taking-keyword-arguments
# update(**compute_metrics(...)): each entry of the dict, known by its key, is a keyword.
from collections import defaultdict

import numpy as np
import torch
from torch import nn


def compute_metrics(logits, targets, loss):
    return {"acc": (logits.argmax(1) == targets).float().mean(), "loss": loss}


class MetricTracker:
    def __init__(self):
        self.store = defaultdict(list)

    def update(self, **metrics):
        for name, value in metrics.items():
            self.store[name].append(value)

    def summary(self):
        return {name: float(np.mean(values)) for name, values in self.store.items()}  # expect: DET102


model = nn.Linear(4, 3)
tracker = MetricTracker()
for step in range(2):
    x, y = torch.rand(5, 4), torch.randint(0, 3, (5,))
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, y)
    tracker.update(**compute_metrics(logits, y, loss))
print(tracker.summary())

# case: dict-unpacked-into-named-parameters-of-a-logger
import numpy as np
import torch
from torch import nn

history = {"loss": [], "accuracy": []}


def log(step, loss, accuracy):
    history["loss"].append(loss)
    history["accuracy"].append(accuracy)


def train(steps):
    net = nn.Linear(2, 1)
    for step in range(steps):
        out = net(torch.rand(4, 2))
        stats = {"loss": out.pow(2).mean(), "accuracy": 0.5}
        log(step=step, **stats)
    return np.mean(history["loss"])  # expect: DET102


train(2)

# case: dict-of-numbers-unpacked-stays-clean
import numpy as np
import torch
from torch import nn

net = nn.Linear(2, 1)
rows = []


def record(loss, lr):
    rows.append((loss, lr))


for step in range(2):
    loss = net(torch.rand(4, 2)).pow(2).mean()
    loss.backward()
    record(**{"loss": loss.item(), "lr": 0.1})
    record(**dict(loss=loss.detach(), lr=0.1))
print(np.asarray(rows))

# case: simple-namespace-holds-the-embeddings-an-evaluator-converts
from types import SimpleNamespace

import torch
from torch import nn


def get_accuracy(source, target):
    return float((source.cpu().numpy() @ target.cpu().numpy().T).max())  # expect: DET103


class Evaluator:
    def __init__(self, trainer):
        self.embs = trainer.embs

    def run(self):
        with torch.no_grad():
            source = self.embs["en"].weight * 1.0
        target = self.embs["de"].weight
        return get_accuracy(source, target)  # expect: DET101


trainer = SimpleNamespace(embs={"en": nn.Embedding(5, 3), "de": nn.Embedding(5, 3)}, lr=0.1)
Evaluator(trainer).run()

# case: argparse-namespace-of-plain-settings-stays-clean
import argparse

import numpy as np
import torch
from torch import nn

config = argparse.Namespace(hidden=4, scale=np.float32(0.5))
model = nn.Linear(3, config.hidden)
with torch.no_grad():
    scores = model(torch.randn(2, 3)) * config.scale
print(np.asarray(scores))

# case: outputs-kept-in-a-namespace-by-a-helper-plotted-at-module-level
from types import SimpleNamespace

import matplotlib.pyplot as plt
import torch
from torch import nn

net = nn.Linear(2, 2)


def run(batch):
    logits = net(batch)
    return SimpleNamespace(logits=logits, size=len(batch))


out = run(torch.randn(4, 2))
plt.imshow(out.logits)  # expect: DET102

# case: a-dict-of-parameters-unpacked-into-a-helper-that-saves-its-keywords
import numpy as np
from torch import nn


def export_npz(path, **arrays):
    np.savez_compressed(path, **arrays)
    return sorted(arrays)


model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
weights = {name.replace(".", "_"): p for name, p in model.named_parameters()}
print(export_npz("/tmp/flake8_detach_case_weights.npz", scale=np.ones(3), **weights))  # expect: DET102

# case: a-dict-of-detached-parameters-unpacked-into-a-helper-stays-clean
import numpy as np
from torch import nn


def export_npz(path, **arrays):
    np.savez_compressed(path, **arrays)
    return sorted(arrays)


model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
weights = {name.replace(".", "_"): p.detach() for name, p in model.named_parameters()}
print(export_npz("/tmp/flake8_detach_case_weights.npz", scale=np.ones(3), **weights))

# case: a-method-passing-its-keywords-on-with-a-dict-of-outputs
import matplotlib.pyplot as plt
import torch
from torch import nn


class Report:
    def __init__(self):
        self.figure, self.axes = plt.subplots()

    def curves(self, **series):
        for name, values in series.items():
            self.axes.plot(values, label=name)

    def summarize(self, model, x, **extra):
        outputs = {"layer%d" % i: layer(x).mean(dim=1) for i, layer in enumerate(model)}
        self.curves(**outputs, **extra)


Report().summarize(nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 3)]), torch.randn(5, 3))  # expect: DET102
