# Forward hooks (they run at each later call of the model, in that call's grad mode, with the
# layer's output), namedtuples, partials of library functions, closures over a factory's
# parameters, dict(pairs).

# case: forward-hook-converts-the-layer-output
import numpy as np
import torch


def save_output(module, inputs, output):
    np.round(output, 2)


model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
handle = model[0].register_forward_hook(save_output)
logits = model(torch.randn(4, 3))  # expect: DET102

# case: forward-hook-stores-activations-converted-later
import torch

activations = {}


def get_activation(name):
    def hook(module, inputs, output):
        activations[name] = output
    return hook


model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
model[2].register_forward_hook(get_activation("head"))
model(torch.randn(4, 3))
features = activations["head"].cpu().numpy()  # expect: DET101

# case: forward-hook-under-no-grad-stores-plain-tensors
import torch

activations = {}


def hook(module, inputs, output):
    activations["head"] = output


model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
model[2].register_forward_hook(hook)
with torch.no_grad():
    model(torch.randn(4, 3))
features = activations["head"].cpu().numpy()

# case: forward-hook-registered-in-a-method
import matplotlib.pyplot as plt
import torch


class Inspector:
    def __init__(self, model):
        self.model = model
        self.seen = []
        model.register_forward_hook(self.record)

    def record(self, module, inputs, output):
        self.seen.append(output)

    def show(self):
        plt.plot(self.seen[0][:, 0])  # expect: DET102


net = torch.nn.Linear(3, 2)
inspector = Inspector(net)
net(torch.rand(4, 3))
inspector.show()

# case: forward-hook-removed-before-training
import numpy as np
import torch
import torch.nn as nn

features = []
model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 3))
handle = model[0].register_forward_hook(lambda module, inputs, output: features.append(np.asarray(output)))
model(torch.randn(2, 3))  # expect: DET102
handle.remove()
for _ in range(3):
    loss = model(torch.randn(2, 3)).sum()
    loss.backward()

# case: one-of-two-forward-hooks-removed
import numpy as np
import torch
import torch.nn as nn

features = []
model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 3))
kept = model[0].register_forward_hook(lambda module, inputs, output: features.append(np.asarray(output)))
dropped = model[0].register_forward_hook(lambda module, inputs, output: None)
dropped.remove()
model(torch.randn(2, 3))  # expect: DET102

# case: forward-hook-removed-by-a-helper
import numpy as np
import torch
import torch.nn as nn


def cleanup():
    handle.remove()


features = []
model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 3))
handle = model[0].register_forward_hook(lambda module, inputs, output: features.append(np.asarray(output)))
model(torch.randn(2, 3))  # expect: DET102
cleanup()

# case: forward-hook-removed-before-a-function-calls-the-model
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F


def get_activation(name):
    def hook(module, inputs, output):
        plt.plot(output)
    return hook


def train_step():
    F.mse_loss(model(x), y).backward()


x = torch.randn(4, 3)
y = torch.randn(4, 3)
model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 3))
handle = model[2].register_forward_hook(get_activation("head"))
handle.remove()
train_step()

# case: forward-hook-removed-in-the-method-that-registered-it
import numpy as np
import torch
import torch.nn as nn


class Inspector:
    def __init__(self):
        self.net = nn.Linear(3, 2)
        self.seen = []

    def run(self, batches):
        handle = self.net.register_forward_hook(lambda m, i, o: self.seen.append(np.asarray(o)))
        for batch in batches[:1]:
            self.net(batch)  # expect: DET102
        handle.remove()
        return [self.net(batch).sum() for batch in batches]


losses = Inspector().run([torch.randn(2, 3) for _ in range(3)])

# case: namedtuple-items-by-position-and-name
from collections import namedtuple

import matplotlib.pyplot as plt
import torch

Output = namedtuple("Output", ["prediction", "inputs"])
layer = torch.nn.Linear(3, 3)
x = torch.randn(4, 3)
result = Output(layer(x), x)
plt.hist(result[0], bins=4)  # expect: DET102
plt.hist(result.inputs, bins=4)
prediction, inputs = result
plt.hist(inputs, bins=4)

# case: named-tuple-class-returned-by-a-helper
from typing import NamedTuple

import torch


class Step(NamedTuple):
    loss: torch.Tensor
    batch_size: int


def training_step(model, batch):
    return Step(model(batch).mean(), len(batch))


step = training_step(torch.nn.Linear(3, 1), torch.rand(4, 3))
loss_value = step.loss.numpy()  # expect: DET101
size = step[1]

# case: partial-of-a-numpy-function
from functools import partial

import numpy as np
import torch

to_array = partial(np.round, decimals=2)
model = torch.nn.Linear(3, 3)
logits_np = to_array(model(torch.randn(4, 3)))  # expect: DET102

# case: closure-over-a-factory-parameter
import numpy as np
import torch


def make_reader(t):
    def get():
        return t - t.mean()
    return get


z = torch.zeros(4, 3, requires_grad=True)
reader = make_reader(z)
np.clip(reader(), 0, 1)  # expect: DET102

# case: closure-over-a-detached-factory-argument
import numpy as np
import torch


def make_reader(t):
    def get():
        return t - t.mean()
    return get


z = torch.zeros(4, 3, requires_grad=True)
reader = make_reader(z.detach())
np.clip(reader(), 0, 1)

# case: dict-of-named-parameters
import numpy as np
import torch

model = torch.nn.Linear(3, 2)
params = dict(model.named_parameters())
np.asarray(params["weight"])  # expect: DET102
settings = dict(lr=0.1, momentum=0.9)
np.asarray(settings["lr"])

# case: hook-registered-through-a-name-for-a-submodule
# A name bound to a part of a model (layer = model.inception5b) registers the hook on the model:
# it runs at the model's calls.
import torch
import torch.nn as nn


def trace(image):
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 2, 3))
    outputs = []

    def hook(module, inputs, output):
        outputs.append(output)

    layer = model[2]
    handle = layer.register_forward_hook(hook)
    model(image)
    handle.remove()
    for output in outputs:
        print(output.cpu().numpy())  # expect: DET101


trace(torch.rand(1, 3, 8, 8))

# case: hook-registered-on-a-second-name-for-the-model
import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
other = nn.Linear(4, 2)
watched = model
features = {}


def keep(module, inputs, output):
    features["out"] = output


watched.register_forward_hook(keep)
other(torch.rand(1, 4))
model(torch.rand(1, 4))
print(np.asarray(features["out"]))  # expect: DET102

# case: method-registers-hooks-on-the-model-it-is-given-then-calls-it
import numpy as np
import torch
import torch.nn as nn


class Dumper:
    def __init__(self):
        self.saved = []

    def watch(self, module):
        def forward_hook(mod, inputs, output):
            self.saved.append(np.asarray(output))
        for child in module.children():
            child.register_forward_hook(forward_hook)
        module.register_forward_hook(forward_hook)

    def run(self, model, x):
        self.watch(model)
        return model(x)


dumper = Dumper()
dumper.run(nn.Sequential(nn.Linear(3, 3), nn.ReLU()), torch.rand(2, 3))  # expect: DET102

# case: hooks-registered-on-named-modules-in-a-loop
# A hook registered on each part of a model, found by named_modules(), runs at the model's call.
import torch
import torch.nn as nn

activations = {}


def keep(name):
    def hook(module, inputs, output):
        activations[name] = output
    return hook


net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
for name, layer in net.named_modules():
    layer.register_forward_hook(keep(name))
net(torch.randn(1, 2))
print(activations["0"].numpy())  # expect: DET101

# case: hooks-registered-on-children-inside-a-function
# The same over children(), registered and run inside a function that plots what was kept.
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

outputs = []


def record(module, inputs, output):
    outputs.append(output)


encoder = nn.Sequential(nn.Linear(4, 4), nn.Tanh())


def visualise(batch):
    for part in encoder.children():
        part.register_forward_hook(record)
    encoder(batch)
    for out in outputs:
        plt.plot(out[0])  # expect: DET102


visualise(torch.rand(2, 4))

# case: hooks-on-modules-keeping-detached-outputs
# Hooks that keep detached outputs: nothing to report; the parts' weights still require grad.
import numpy as np
import torch
import torch.nn as nn

kept = []


def hook(module, inputs, output):
    kept.append(output.detach())


model = nn.Sequential(nn.Linear(3, 3), nn.ReLU())
for module in model.modules():
    module.register_forward_hook(hook)
    if isinstance(module, nn.Linear):
        print(np.linalg.norm(module.weight))  # expect: DET102
with torch.enable_grad():
    model(torch.ones(1, 3))
print(np.concatenate([k.numpy() for k in kept]))

# case: hooks-registered-on-enumerated-parts
# enumerate() over a list of the model's parts: each part's hook runs at the model's call.
import numpy as np
import torch
import torch.nn as nn

maps = {}


def grab(index):
    def hook(module, inputs, output):
        maps[index] = output
    return hook


cnn = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU())
for index, part in enumerate(list(cnn)):
    part.register_forward_hook(grab(index))
cnn(torch.rand(1, 1, 5, 5))
print(np.mean(maps[0].numpy() > 0))  # expect: DET101

# case: hook-registered-in-init-on-the-model-given-run-by-another-method
# __init__ stores the model it is given and hooks a layer of it through the parameter's name;
# another method calls it through self: the hook runs there.
import numpy as np
import torch
from torch import nn


class Recorder:
    def __init__(self, model):
        self.model = model
        self.outputs = []
        model[0].register_forward_hook(lambda module, inputs, output: self.outputs.append(output))

    def __call__(self, x):
        self.model(x)
        return [np.asarray(o) for o in self.outputs]  # expect: DET102


recorder = Recorder(nn.Sequential(nn.Linear(3, 2), nn.ReLU()))
recorder(torch.ones(1, 3))

# case: hook-registered-before-the-model-is-stored
# Hooked through the parameter, then stored: the hooks go with the model.
import numpy as np
import torch
from torch import nn


class Probe:
    def __init__(self, net):
        self.features = {}
        net.fc.register_forward_hook(self.keep)
        self.net = net

    def keep(self, module, inputs, output):
        self.features["out"] = output

    def run(self, x):
        self.net(x)
        return np.asarray(self.features["out"])  # expect: DET102


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


print(Probe(Net()).run(torch.ones(2, 4)))

# case: hook-registered-in-init-through-self-run-in-a-loop
# Registered on self.model in __init__, run at each call in another method's loop.
import numpy as np
import torch
from torch import nn


class Extractor:
    def __init__(self, model):
        self.model = model
        self.maps = []
        self.model.register_forward_hook(self.save)

    def save(self, module, inputs, output):
        self.maps.append(output)

    def extract(self, batches):
        for batch in batches:
            self.model(batch)
        return np.concatenate(self.maps)  # expect: DET102


Extractor(nn.Linear(3, 3)).extract([torch.ones(2, 3), torch.zeros(2, 3)])

# case: hook-registered-in-init-keeping-detached-outputs
# The same hook, keeping detached outputs: nothing to report.
import numpy as np
import torch
from torch import nn


class Recorder:
    def __init__(self, model):
        self.model = model
        self.outputs = []
        model.register_forward_hook(lambda module, inputs, output: self.outputs.append(output.detach()))

    def __call__(self, x):
        self.model(x)
        return np.stack(self.outputs)


Recorder(nn.Linear(3, 2))(torch.ones(1, 3))

# case: lambda-appending-to-a-module-list
# A lambda whose body appends to a list changes the list when it is called.
import numpy as np
import torch

model = torch.nn.Linear(3, 2)
outputs = []
keep = lambda output: outputs.append(output)
for _ in range(2):
    keep(model(torch.ones(1, 3)))
print(np.asarray(outputs[0]))  # expect: DET102

# case: lambda-growing-a-dict-entry-in-a-method
# A lambda that grows a dict's entry, kept in an attribute and called by another method.
import numpy as np
import torch


class Logger:
    def __init__(self):
        self.weight = torch.ones(2, requires_grad=True)
        self.history = {"loss": []}
        self.log = lambda value: self.history["loss"].append(value)

    def step(self):
        self.log((self.weight * 3).sum())
        return np.array(self.history["loss"])  # expect: DET102


Logger().step()

# case: lambda-appending-numbers
# The lambda keeps .item() values: numbers.
import numpy as np
import torch

w = torch.ones(2, requires_grad=True)
losses = []
record = lambda loss: losses.append(loss.item())
record((w * 2).sum())
print(np.mean(losses))

# case: dataclass-built-in-a-helper-method-converts-its-field
from dataclasses import dataclass
import numpy as np
import torch


@dataclass
class Out:
    probs: torch.Tensor

    def arr(self):
        return np.asarray(self.probs)  # expect: DET102


def evaluate(model, x):
    return Out(probs=model(x).softmax(-1))


model = torch.nn.Linear(3, 2)
r = evaluate(model, torch.randn(4, 3))
print(r.arr())

# case: namedtuple-method-plots-its-field
from typing import NamedTuple
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch


class Batch(NamedTuple):
    inputs: torch.Tensor
    scores: torch.Tensor

    def plot(self):
        plt.hist(self.scores)  # expect: DET102


net = torch.nn.Sequential(torch.nn.Linear(4, 1), torch.nn.Sigmoid())
x = torch.randn(8, 4)
for batch in [Batch(x, net(x).squeeze(1))]:
    batch.plot()

# case: dataclass-subclass-method-converts-an-inherited-field
from dataclasses import dataclass, field
import numpy as np
import torch


@dataclass
class Record:
    name: str
    values: list = field(default_factory=list)


@dataclass
class LossRecord(Record):
    def summary(self):
        return float(np.mean(np.array(self.values)))  # expect: DET102


class Trainer:
    def __init__(self):
        self.w = torch.randn(3, requires_grad=True)

    def run(self):
        losses = [(self.w * k).sum() for k in range(3)]
        return LossRecord("train", losses)


print(Trainer().run().summary())

# case: dataclass-built-from-a-detached-output-stays-clean
from dataclasses import dataclass
import numpy as np
import torch


@dataclass
class Out:
    probs: torch.Tensor

    def arr(self):
        return np.asarray(self.probs)


def evaluate(model, x):
    return Out(probs=model(x).softmax(-1).detach())


model = torch.nn.Linear(3, 2)
print(evaluate(model, torch.randn(4, 3)).arr())

# case: hooks-registered-on-each-part-of-a-sequential-in-a-loop
import numpy as np
import torch
import torch.nn as nn

buffer = []


def hook(module, inputs, output):
    buffer.append(output.mean())


net = nn.Sequential(nn.Linear(5, 10), nn.ReLU(), nn.Linear(10, 2))
for i, layer in enumerate(net):
    layer.register_forward_hook(hook)
net(torch.randn(16, 5))
print(np.stack(buffer))  # expect: DET102

# case: factory-made-hooks-on-filtered-parts-fill-a-closure-dict
import numpy as np
import torch
import torch.nn as nn


def make_recorder():
    buffer = {}

    def hook_for(name):
        def hook(module, inputs, output):
            buffer.setdefault(name, []).append(output.mean(0))
        return hook

    def dump():
        return {name: np.stack(acts) for name, acts in buffer.items()}  # expect: DET102

    return hook_for, dump


net = nn.Sequential(nn.Linear(5, 10), nn.ReLU(), nn.Linear(10, 2))
hook_for, dump = make_recorder()
for i, layer in enumerate(net):
    if isinstance(layer, nn.ReLU):
        layer.register_forward_hook(hook_for(f"relu{i}"))
net(torch.randn(4, 5))
dump()

# case: nested-instances-built-in-a-helper-from-its-model-parameter
import numpy as np
import torch
import torch.nn as nn


class Box:
    def __init__(self, t):
        self.t = t


def evaluate(model, x):
    return Box(Box(model(x)))


res = evaluate(nn.Linear(2, 1), torch.randn(3, 2))
print(np.asarray(res.t.t))  # expect: DET102

# case: nested-dataclasses-built-in-a-helper-from-a-loss
from dataclasses import dataclass
import numpy as np
import torch
import torch.nn.functional as F


@dataclass
class Metrics:
    loss: torch.Tensor


@dataclass
class Report:
    split: str
    metrics: Metrics


def score(model, x, y):
    return Report("val", Metrics(loss=F.mse_loss(model(x), y)))


report = score(torch.nn.Linear(3, 1), torch.randn(4, 3), torch.randn(4, 1))
print(np.array(report.metrics.loss))  # expect: DET102

# case: nested-holders-built-by-a-chain-of-helpers-read-in-a-method
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch


class Holder:
    def __init__(self, value):
        self.value = value


def pack(outputs):
    return Holder(Holder(outputs))


def run(model, data):
    return pack(model(data))


class Trainer:
    def __init__(self):
        self.model = torch.nn.Linear(2, 2)

    def show(self, batch):
        held = run(self.model, batch)
        plt.plot(held.value.value)  # expect: DET102


Trainer().show(torch.randn(5, 2))

# case: nested-instances-built-under-no-grad-stay-clean
import numpy as np
import torch
import torch.nn as nn


class Box:
    def __init__(self, t):
        self.t = t


def evaluate(model, x):
    with torch.no_grad():
        return Box(Box(model(x)))


res = evaluate(nn.Linear(2, 1), torch.randn(3, 2))
print(np.asarray(res.t.t))

# case: forward-hook-wraps-its-output-in-an-object-whose-method-converts-it
import pandas as pd
import torch
import torch.nn as nn


class Prediction:
    def __init__(self, scores, name="output"):
        self.scores = scores
        self.name = name

    def to_frame(self):
        return pd.DataFrame(self.scores)  # expect: DET102


def save_output(module, inputs, output):
    prediction = Prediction(output)
    prediction.to_frame()


model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 3))
model[2].register_forward_hook(save_output)
logits = model(torch.randn(4, 3))

# case: helper-returns-what-a-method-of-its-wrapped-parameter-computes
import torch
import torch.nn as nn


class Scores:
    def __init__(self, raw, scale=1.0):
        self.raw = raw
        self.scale = scale

    def scaled(self):
        return self.raw * self.scale


def scaled_scores(output):
    return Scores(output, 2.0).scaled()


class Evaluator:
    def __init__(self, model):
        self.model = model

    def evaluate(self, batches):
        results = []
        for batch in batches:
            results.append(scaled_scores(self.model(batch)).numpy())  # expect: DET101
        return results


Evaluator(nn.Linear(3, 3)).evaluate([torch.randn(2, 3)])

# case: dataclass-built-from-a-parameter-converts-its-field-in-a-method
from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Batch:
    logits: torch.Tensor

    def probabilities(self):
        return np.asarray(self.logits.softmax(dim=-1))  # expect: DET102


def summarize(logits):
    return Batch(logits).probabilities()


net = torch.nn.Linear(4, 2)
for _ in range(2):
    summarize(net(torch.randn(3, 4)))

# case: method-of-a-parameter-wrapper-under-no-grad-at-the-call
import numpy as np
import torch


class Report:
    def __init__(self, values):
        self.values = values

    def as_array(self):
        return np.asarray(self.values)


def report(values):
    return Report(values).as_array()


net = torch.nn.Linear(4, 2)
with torch.no_grad():
    report(net(torch.randn(3, 4)))
report(net(torch.randn(3, 4)).detach())

# case: method-parameter-named-like-the-callers-is-another-value
import numpy as np
import torch


class Scores:
    def __init__(self, raw):
        self.raw = raw

    def show(self, raw):
        return np.asarray(raw)


def shown(raw):
    return Scores(raw).show(np.zeros(3))


shown(torch.nn.Linear(3, 3)(torch.randn(2, 3)))

# case: method-of-a-wrapper-built-in-another-class-converts-through-a-second-method
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch


class Summary:
    def __init__(self, values, title):
        self.values = values
        self.title = title

    def _as_array(self):
        return np.asarray(self.values)  # expect: DET102

    def plot(self):
        plt.plot(self._as_array())
        plt.title(self.title)


class Trainer:
    def __init__(self):
        self.model = torch.nn.Linear(3, 1)

    def log(self, out):
        Summary(out, "train").plot()

    def step(self, x):
        out = self.model(x)
        self.log(out)
        return out


Trainer().step(torch.randn(5, 3))

# case: wrapper-of-a-parameter-handed-to-a-function-that-converts-its-field
import numpy as np
import torch


class Box:
    def __init__(self, t):
        self.t = t


def show(box):
    return np.asarray(box.t)  # expect: DET102


def run(out):
    show(Box(out))


net = torch.nn.Linear(3, 1)
run(net(torch.randn(2, 3)))

# case: meters-built-from-each-loss-in-a-comprehension
import numpy as np
import torch


class Meter:
    def __init__(self, loss):
        self.loss = loss

    def value(self):
        return float(np.array(self.loss))  # expect: DET102


def meters(losses):
    return [Meter(loss).value() for loss in losses]


net = torch.nn.Linear(3, 1)
losses = [net(torch.randn(2, 3)).sum() for _ in range(3)]
print(meters(losses))

# case: callbacks-dispatched-by-event-name-with-getattr
import numpy as np
import torch


class Monitor:
    def on_end(self, trainer):
        np.asarray(trainer.logits)  # expect: DET102


class Trainer:
    def __init__(self, model, callbacks):
        self.model = model
        self.callbacks = list(callbacks)
        self.logits = None

    def _emit(self, event):
        for cb in self.callbacks:
            getattr(cb, event)(self)

    def step(self, x):
        self.logits = self.model(x)
        self._emit("on_end")


Trainer(torch.nn.Linear(3, 1), [Monitor()]).step(torch.randn(2, 3))

# case: callback-base-class-hooks-dispatched-with-getattr
import numpy as np
import torch


class Callback:
    def on_batch_end(self, trainer):
        pass

    def on_epoch_end(self, trainer):
        pass


class History(Callback):
    def __init__(self):
        self.losses = []

    def on_epoch_end(self, trainer):
        self.losses.append(np.asarray(trainer.last_output))  # expect: DET102


class Trainer:
    def __init__(self, model, callbacks):
        self.model = model
        self.callbacks = callbacks
        self.last_output = None

    def _fire(self, event):
        for callback in self.callbacks:
            getattr(callback, event)(self)

    def fit(self, batches):
        for x in batches:
            self.last_output = self.model(x)
            self._fire("on_batch_end")
        self._fire("on_epoch_end")


Trainer(torch.nn.Linear(3, 1), [Callback(), History()]).fit([torch.randn(2, 3)])

# case: partial-of-a-bound-method-with-a-bound-tag-called-with-the-output
import functools
import numpy as np
import torch


class Logger:
    def log(self, tag, values, step):
        np.histogram(values)


logger = Logger()
h = torch.nn.Linear(3, 4)(torch.randn(2, 3))
fn = functools.partial(logger.log, "fc1", step=0)
fn(h)  # expect: DET102

# case: bound-method-handed-to-a-model-call-as-a-logging-callback
import functools
import numpy as np
import torch
import torch.nn as nn


class Logger:
    def log(self, values):
        np.histogram(values)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)

    def forward(self, x, log_fn=None):
        h = torch.sigmoid(self.fc1(x))
        if log_fn is not None:
            log_fn(h)  # expect: DET102
        return h


model = MLP()
logger = Logger()
model(torch.randn(2, 3), log_fn=logger.log)

# case: logging-callback-or-none-built-per-step-and-handed-to-the-model
import functools
import numpy as np
import torch
import torch.nn as nn


class Logger:
    def log(self, tag, values, step):
        np.histogram(values)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)

    def forward(self, x, log_fn=None):
        h = torch.sigmoid(self.fc1(x))
        if log_fn is not None:
            log_fn(h)  # expect: DET102
        return h


model = MLP()
logger = Logger()
for step in range(3):
    log_fn = functools.partial(logger.log, "fc1", step=step) if step % 2 == 0 else None
    model(torch.randn(2, 3), log_fn=log_fn)

# case: model-with-a-forward-hook-handed-to-a-helper-that-calls-it
import numpy as np
import torch
import torch.nn as nn

features = []


def save_output(module, inputs, output):
    features.append(output.numpy())  # expect: DET103


def run(model, batch):
    return model(batch)


def main():
    net = nn.Sequential(nn.Linear(3, 2))
    net.register_forward_hook(save_output)
    run(net, torch.rand(1, 3))  # expect: DET101


main()

# case: model-hooked-by-a-recorder-then-validated-by-a-function
import numpy as np
import torch
import torch.nn as nn


class Recorder:
    def __init__(self, model):
        self.outputs = []
        model.register_forward_hook(self.record)

    def record(self, module, inputs, output):
        self.outputs.append(np.asarray(output))


def validation_loss(model, x, y):
    return nn.functional.mse_loss(model(x), y).item()


net = nn.Linear(4, 1)
recorder = Recorder(net)
print(validation_loss(net, torch.rand(8, 4), torch.rand(8, 1)))  # expect: DET102

# case: hooks-registered-on-parts-looked-up-in-a-dict-of-named-modules
import numpy as np
import torch
import torch.nn as nn

kept = {}


def keep(name):
    def hook(module, inputs, output):
        kept[name] = output.numpy()  # expect: DET103
    return hook


net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
layers = dict(net.named_modules())
for name in ["0", "2"]:
    layers[name].register_forward_hook(keep(name))
net(torch.randn(1, 2))  # expect: DET101

# case: hooks-on-named-module-parts-in-a-constructor-run-by-an-evaluation-loop
import numpy as np
import torch
import torch.nn as nn


class Probe:
    def __init__(self, model, names):
        self.means = {}
        modules = dict(model.named_modules())
        for name in names:
            modules[name].register_forward_hook(self._hook_for(name))

    def _hook_for(self, name):
        def hook(module, inputs, output):
            self.means[name] = float(np.mean(output.numpy()))  # expect: DET103
        return hook


def energies(model, batches):
    return [model(x).pow(2).mean().item() for x in batches]


net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
probe = Probe(net, ["0"])
print(energies(net, [torch.randn(4, 2)]), probe.means)  # expect: DET101

# case: hooks-registered-on-parts-listed-one-by-one
# The parts are named in a list literal: each is a part of the model, and its hooks run when
# the model runs.
import numpy as np
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)
        self.c = nn.Linear(4, 2)

    def forward(self, x):
        return self.c(torch.relu(self.b(torch.relu(self.a(x)))))


stats = []


def record(module, inputs, output):
    stats.append(output.abs().mean())


net = Net()
for layer in [net.a, net.b]:
    layer.register_forward_hook(record)
out = net(torch.rand(3, 4))
print(np.array(stats), out.sum().item())  # expect: DET102

# case: hooks-registered-on-an-enumerated-tuple-of-parts-in-a-probe
# A probe object hooks the encoder and decoder it names in a tuple; its run method calls the
# model with grad on and converts what the hooks kept.
import torch
from torch import nn


class Probe:
    def __init__(self, model):
        self.model = model
        self.acts = {}
        for i, part in enumerate((model.enc, model.dec)):
            part.register_forward_hook(self.make_hook(i))

    def make_hook(self, i):
        def hook(module, inputs, output):
            self.acts[i] = output
        return hook

    def run(self, x):
        self.model(x)
        return [self.acts[i].numpy() for i in sorted(self.acts)]  # expect: DET101


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(4, 2)
        self.dec = nn.Linear(2, 4)

    def forward(self, x):
        return self.dec(self.enc(x))


print(Probe(AutoEncoder()).run(torch.rand(2, 4)))

# case: hooks-on-listed-parts-of-a-model-run-under-no-grad-stay-clean
import numpy as np
import torch
from torch import nn

encoder = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 3))
features = {}


def keep(module, inputs, output):
    features[len(features)] = output.sum()


for part in (encoder[0], encoder[2]):
    part.register_forward_hook(keep)
with torch.no_grad():
    encoder(torch.rand(4, 3))
print({name: np.round(value.numpy(), 2) for name, value in features.items()})

# case: named-tuple-handed-to-a-helper-that-reads-its-array-field
from typing import NamedTuple

import numpy as np
import torch
from torch import nn


class Bundle(NamedTuple):
    model: nn.Module
    coords: object
    scores: torch.Tensor


def load():
    model = nn.Linear(3, 3)
    with torch.no_grad():
        scores = model(torch.randn(4, 3))
    return Bundle(model=model, coords=np.zeros((4, 3)), scores=scores)


def show(bundle):
    return np.asarray(bundle.coords), np.asarray(bundle.scores)


show(load())

# case: namedtuple-fields-read-by-name-in-methods
import collections

import numpy as np
import torch
from torch import nn

Step = collections.namedtuple("Step", "loss logits frozen")


class Logger:
    def __init__(self):
        self.rows = []

    def log(self, step):
        self.rows.append(np.asarray(step.frozen))
        self.rows.append(step.loss.item())

    def log_logits(self, step):
        self.rows.append(np.asarray(step.logits))


net = nn.Linear(5, 2)
logger = Logger()
for epoch in range(2):
    out = net(torch.randn(8, 5))
    loss = out.pow(2).mean()
    loss.backward()
    logger.log(Step(loss, out, out.detach()))
logger.log_logits(Step(loss=loss, logits=out, frozen=None))  # expect: DET102

# case: record-passed-on-by-one-helper-to-another
from typing import NamedTuple

import numpy as np
import torch
from torch import nn


class Batch(NamedTuple):
    inputs: torch.Tensor
    preds: torch.Tensor
    net: nn.Module


def summarise(batch):
    return describe(batch)


def describe(batch):
    return float(batch.inputs.mean()), np.asarray(batch.preds)


net = nn.Linear(4, 1)
x = torch.randn(6, 4)
with torch.no_grad():
    safe = Batch(x, net(x), net)
summarise(safe)
risky = Batch(x, net(x), net)
summarise(risky)  # expect: DET102

# case: dict-of-metrics-passed-on-by-one-helper-to-another
import numpy as np
import torch
from torch import nn


def rounded(metrics):
    return {name: np.round(np.asarray(metrics[name]), 3) for name in ("acc",)}


def report(metrics):
    return rounded(metrics)


net = nn.Linear(3, 2)
out = net(torch.randn(4, 3))
report({"loss": out.sum(), "acc": (out.argmax(1) == 0).float().mean()})
report({"loss": out.sum(), "acc": out})  # expect: DET102

# case: grad-cam-hooks-registered-in-the-constructor-on-a-layer-of-the-model-it-keeps
import torch
from torch import nn


class SaliencyMap:
    def __init__(self, network, layer):
        self.network = network
        self.features = None
        layer.register_forward_hook(self.keep_features)

    def keep_features(self, module, inputs, output):
        self.features = output

    def __call__(self, image, label):
        scores = self.network(image)
        scores[0, label].backward()
        weights = self.features.mean(dim=(2, 3), keepdim=True)
        return (weights * self.features).sum(dim=1).relu().numpy()  # expect: DET101


net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
saliency = SaliencyMap(net, net[0])
heat = saliency(torch.randn(1, 3, 8, 8), 1)

# case: grad-cam-hooks-from-the-constructor-kept-detached-stay-clean
import torch
from torch import nn


class SaliencyMap:
    def __init__(self, network, layer):
        self.network = network
        self.features = None
        layer.register_forward_hook(self.keep_features)

    def keep_features(self, module, inputs, output):
        self.features = output.detach()

    def __call__(self, image):
        self.network(image)
        return self.features.mean(dim=1).numpy()


net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
heat = SaliencyMap(net, net[0])(torch.randn(1, 3, 8, 8))

# case: recorder-constructor-registers-a-bound-method-and-the-loop-reads-it
import numpy as np
import torch
from torch import nn


class Probe:
    def __init__(self, layer):
        self.outputs = []
        layer.register_forward_hook(self.collect)

    def collect(self, module, inputs, output):
        self.outputs.append(output)


encoder = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
probe = Probe(encoder[1])
for batch in torch.randn(3, 5, 4):
    encoder(batch)
stacked = np.stack(probe.outputs)  # expect: DET102

# case: recorder-method-registers-a-closure-over-self-on-parts-of-a-model
import numpy as np
import torch
from torch import nn


class Tap:
    def __init__(self):
        self.seen = {}

    def hook_into(self, modules):
        for index, module in enumerate(modules):
            def grab(mod, inputs, output, index=index):
                self.seen[index] = output
            module.register_forward_hook(grab)


def run():
    model = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))
    tap = Tap()
    tap.hook_into([model[0], model[2]])
    model(torch.randn(2, 3))
    return [np.asarray(value) for value in tap.seen.values()]  # expect: DET102


run()

# case: helper-registers-a-hook-on-the-layer-it-is-handed
import torch
from torch import nn

captured = {}


def watch(layer, name):
    def store(module, inputs, output):
        captured[name] = output
    layer.register_forward_hook(store)


model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
watch(model[2], "logits")
model(torch.randn(5, 4))
logits = captured["logits"].numpy()  # expect: DET101

# case: recorder-constructor-hook-run-under-no-grad-stays-clean
import numpy as np
import torch
from torch import nn


class Probe:
    def __init__(self, layer):
        self.outputs = []
        layer.register_forward_hook(self.collect)

    def collect(self, module, inputs, output):
        self.outputs.append(output)


encoder = nn.Sequential(nn.Linear(4, 8), nn.Tanh())
probe = Probe(encoder[0])
with torch.no_grad():
    encoder(torch.randn(5, 4))
stacked = np.stack(probe.outputs)

# case: axes-made-an-array-with-numpy-plot-a-tensor
import matplotlib.pyplot as plt
import numpy as np
import torch

weights = torch.randn(3, 10, requires_grad=True)
fig, axes = plt.subplots(1, 3)
for ax, row in zip(np.atleast_1d(axes), weights):
    ax.hist(row, bins=5)  # expect: DET102

# case: two-recorders-the-one-read-saw-only-a-model-run-under-no-grad
import numpy as np
import torch
from torch import nn


class Probe:
    def __init__(self, layer):
        self.outputs = []
        layer.register_forward_hook(self.collect)

    def collect(self, module, inputs, output):
        self.outputs.append(output)


trained = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
frozen = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
seen_in_training = Probe(trained[0])
seen_in_evaluation = Probe(frozen[0])
trained(torch.randn(2, 4))
with torch.no_grad():
    frozen(torch.randn(2, 4))
print(np.stack(seen_in_evaluation.outputs).shape)

# case: a-sampler-object-whose-iter-yields-model-steps-plotted-in-a-loop
import matplotlib.pyplot as plt
import torch
from torch import nn


class Sampler:
    def __init__(self, model, steps):
        self.model, self.steps = model, steps

    def __iter__(self):
        x = torch.randn(16, 2)
        yield x
        for _ in range(self.steps):
            x = x - 0.1 * self.model(x)
            yield x


model = nn.Linear(2, 2)
for step, points in enumerate(Sampler(model, 3)):
    plt.scatter(*points.T)  # expect: DET102

# case: snapshots-of-an-iterable-sampler-kept-by-a-filter-and-plotted-by-a-helper
import matplotlib.pyplot as plt
import torch
from torch import nn


class Reverse:
    def __init__(self, model, steps):
        self.model, self.steps = model, steps

    def __iter__(self):
        x = torch.randn(8, 2)
        for _ in range(self.steps):
            x = self.model(x)
            yield x


def figure(snapshots):
    fig, axes = plt.subplots(1, len(snapshots))
    for ax, (i, pts) in zip(axes, snapshots):
        ax.plot(pts[:, 0], pts[:, 1])


snapshots = [(i, x) for i, x in enumerate(Reverse(nn.Linear(2, 2), 4)) if i % 2 == 0]
figure(snapshots)  # expect: DET102

# case: an-iterable-sampler-held-by-a-trainer-that-yields-under-no-grad-stays-clean
import numpy as np
import torch
from torch import nn


class Sampler:
    def __init__(self, model, steps):
        self.model, self.steps = model, steps

    @torch.no_grad()
    def __iter__(self):
        x = torch.randn(4, 2)
        for _ in range(self.steps):
            x = self.model(x)
            yield x


class Monitor:
    def __init__(self, model):
        self.sampler = Sampler(model, 2)

    def spread(self):
        return [np.std(np.asarray(x)) for x in self.sampler]


print(Monitor(nn.Linear(2, 2)).spread())

# case: grad-cam-hooks-the-last-activation-of-a-features-block
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
        self.classifier = nn.Linear(4, 2)

    def forward(self, x):
        return self.classifier(self.features(x))


class Cam:
    def __init__(self, model, layer):
        self.model = model
        self.activations = None
        layer.register_forward_hook(self.capture)

    def capture(self, module, inputs, output):
        self.activations = output

    def __call__(self, x):
        self.model(x)
        return F.relu(self.activations.sum(1))


model = Net()
cam = Cam(model, model.features[-1])(torch.randn(2, 3))
print(np.asarray(cam))  # expect: DET102

