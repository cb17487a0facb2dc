# Across functions: helpers that convert what they are given, return values, decorators,
# methods and attributes.
# Convention: a helper's own conversion of a parameter cannot be decided inside the helper,
# whatever the calls in the file pass (each call gets its own finding), unless grad mode is
# known to be off there (decorator, with block, every call in the file under no_grad):
# DET103 for .numpy(); for an implicit conversion (np.asarray, plt.plot...) only when the
# value is known to be a tensor, by its own expression (np.asarray(torch.sigmoid(t))) or
# because a call in the file hands the helper tensors (a helper only ever given floats is
# silent).  A call that hands the helper a tensor that requires grad gets the helper's code
# (DET101 for .numpy(), DET102 for np.asarray, plt.plot...).  A helper that only forwards
# its parameter to another helper is silent at the forwarding call.

# case: to-numpy-helper-called-with-loss
import torch


def to_numpy(t):
    return t.cpu().numpy()  # expect: DET103


w = torch.rand(3, requires_grad=True)
loss = (w ** 2).sum()
value = to_numpy(loss)  # expect: DET101

# case: to-numpy-helper-called-with-detached-loss
import torch


def to_numpy(t):
    return t.cpu().numpy()  # expect: DET103


w = torch.rand(3, requires_grad=True)
loss = (w ** 2).sum()
value = to_numpy(loss.detach())

# case: to-numpy-helper-that-detaches
import torch


def to_numpy(t):
    return t.detach().cpu().numpy()


w = torch.rand(3, requires_grad=True)
loss = (w ** 2).sum()
value = to_numpy(loss)

# case: to-numpy-helper-with-requires-grad-guard
import torch


def to_numpy(t):
    if t.requires_grad:
        t = t.detach()
    return t.cpu().numpy()


w = torch.rand(3, requires_grad=True)
value = to_numpy(w * 2)

# case: to-numpy-helper-decorated-no-grad
import torch


@torch.no_grad()
def to_numpy(t):
    return t.cpu().numpy()


w = torch.rand(3, requires_grad=True)
value = to_numpy(w * 2)

# case: to-numpy-helper-called-under-no-grad
# Every call runs under no_grad, so grad mode is off at the conversion (as for a helper
# decorated with @torch.no_grad()): nothing is undecided.
import torch


def to_numpy(t):
    return t.cpu().numpy()


w = torch.rand(3, requires_grad=True)
with torch.no_grad():
    value = to_numpy(w * 2)

# case: to-numpy-helper-plain-call-then-grad-call
import torch


def to_numpy(t):
    return t.numpy()  # expect: DET103


w = torch.rand(3, requires_grad=True)
data = to_numpy(torch.randn(3))
weights = to_numpy(w)  # expect: DET101

# case: to-numpy-helper-keyword-argument
import torch


def to_numpy(t):
    return t.numpy()  # expect: DET103


w = torch.rand(3, requires_grad=True)
weights = to_numpy(t=w * 2)  # expect: DET101

# case: asarray-helper-called-with-output
import numpy as np
import torch
import torch.nn as nn


def as_array(t):
    return np.asarray(t, dtype=np.float32)  # a parameter: DET103 is for tensors (and .numpy())


model = nn.Linear(3, 2)
out = as_array(model(torch.randn(4, 3)))  # expect: DET102

# case: asarray-helper-called-with-argmax
import numpy as np
import torch
import torch.nn as nn


def as_array(t):
    return np.asarray(t, dtype=np.float32)  # a parameter: DET103 is for tensors (and .numpy())


model = nn.Linear(3, 2)
out = as_array(model(torch.randn(4, 3)).argmax(dim=1))

# case: plotting-helper-given-loss-list
import matplotlib.pyplot as plt
import torch


def plot_curve(values, name):
    plt.plot(values, label=name)  # a parameter: DET103 is for tensors (and .numpy())
    plt.legend()


w = torch.rand(3, requires_grad=True)
losses = [((w - step) ** 2).mean() for step in range(4)]
plot_curve(losses, "train")  # expect: DET102

# case: plotting-helper-given-loss-items
import matplotlib.pyplot as plt
import torch


def plot_curve(values, name):
    plt.plot(values, label=name)
    plt.legend()


w = torch.rand(3, requires_grad=True)
losses = [((w - step) ** 2).mean().item() for step in range(4)]
plot_curve(losses, "train")

# case: two-level-helper-chain
import torch


def to_numpy(t):
    return t.numpy()  # expect: DET103


def show(t):
    print(to_numpy(t).round(2))


w = torch.rand(3, requires_grad=True)
show(w.detach())
show(w * 2)  # expect: DET101

# case: lambda-helper
import torch

to_numpy = lambda t: t.numpy()  # expect: DET103
w = torch.rand(3, requires_grad=True)
value = to_numpy(w + 1)  # expect: DET101

# case: lambda-helper-detaches
import torch

to_numpy = lambda t: t.detach().numpy()
w = torch.rand(3, requires_grad=True)
value = to_numpy(w + 1)

# case: predict-helper-returns-model-output
import torch
import torch.nn as nn


def predict(model, x):
    return model(x)


net = nn.Linear(3, 2)
net.eval()
arr = predict(net, torch.randn(4, 3)).numpy()  # expect: DET101

# case: predict-helper-decorated-no-grad
import torch
import torch.nn as nn


@torch.no_grad()
def predict(model, x):
    return model(x)


net = nn.Linear(3, 2)
net.eval()
arr = predict(net, torch.randn(4, 3)).numpy()

# case: predict-helper-with-no-grad-block
import torch
import torch.nn as nn


def predict(model, x):
    model.eval()
    with torch.no_grad():
        out = model(x)
    return out


net = nn.Linear(3, 2)
arr = predict(net, torch.randn(4, 3)).numpy()

# case: evaluate-helper-converts-model-output
import torch
import torch.nn as nn


def evaluate(model, x):
    return model(x).cpu().numpy()  # expect: DET103


net = nn.Linear(3, 2)
arr = evaluate(net, torch.randn(4, 3))  # expect: DET101

# case: evaluate-helper-decorated-no-grad
import torch
import torch.nn as nn


@torch.no_grad()
def evaluate(model, x):
    return model(x).cpu().numpy()


net = nn.Linear(3, 2)
arr = evaluate(net, torch.randn(4, 3))

# case: rmse-helper-given-model-output
import numpy as np
import torch
import torch.nn as nn


def rmse(pred, target):
    return float(np.sqrt(np.mean((pred - target).numpy() ** 2)))  # expect: DET103


model = nn.Linear(3, 1)
x, y = torch.randn(5, 3), torch.randn(5, 1)
print(rmse(y * 0.5, y))
print(rmse(model(x), y))  # expect: DET101

# case: accuracy-helper-on-comparisons
import torch
import torch.nn as nn


def accuracy(logits, target):
    return (logits.argmax(dim=1) == target).float().mean().numpy()


model = nn.Linear(3, 2)
print(accuracy(model(torch.randn(6, 3)), torch.tensor([0, 1, 0, 1, 1, 0])))

# case: helper-returns-moved-argument
import torch
import torch.nn as nn


def to_host(t):
    return t.to("cpu")


model = nn.Linear(3, 2)
arr = to_host(model(torch.randn(2, 3))).numpy()  # expect: DET101

# case: helper-returns-detached-argument
import torch
import torch.nn as nn


def to_host(t):
    return t.detach().to("cpu")


model = nn.Linear(3, 2)
arr = to_host(model(torch.randn(2, 3))).numpy()

# case: helper-returns-tuple
import torch
import torch.nn as nn

model = nn.Linear(3, 2)


def forward_pass(x):
    logits = model(x)
    return logits, logits.argmax(dim=1)


logits, pred = forward_pass(torch.randn(4, 3))
print(pred.numpy())
print(logits.numpy())  # expect: DET101

# case: helper-returns-dict
import torch
import torch.nn as nn

model = nn.Linear(3, 2)


def forward_pass(x):
    logits = model(x)
    return {"logits": logits, "pred": logits.argmax(dim=1), "probs": logits.softmax(1).detach()}


result = forward_pass(torch.randn(4, 3))
print(result["pred"].numpy(), result["probs"].numpy())

# case: closure-reads-enclosing-grad-tensor
import torch


def train():
    w = torch.rand(3, requires_grad=True)
    out = w * 2

    def report():
        return out.numpy()  # expect: DET101

    return report()


arr = train()

# case: closure-reads-enclosing-detached-tensor
import torch


def train():
    w = torch.rand(3, requires_grad=True)
    out = (w * 2).detach()

    def report():
        return out.numpy()

    return report()


arr = train()

# case: sigmoid-helper-converts-known-tensor
import numpy as np
import torch


def probabilities(logits):
    return np.asarray(torch.sigmoid(logits))  # expect: DET103


print(probabilities(torch.randn(4)))

# case: greedy-decode-returns-token-ids
import torch
import torch.nn as nn


def greedy_decode(model, tokens, steps):
    for _ in range(steps):
        logits = model(tokens[:, -1:].float())
        tokens = torch.cat([tokens, logits.argmax(dim=-1, keepdim=True)], dim=1)
    return tokens


model = nn.Linear(1, 5)
out = greedy_decode(model, torch.zeros(2, 1, dtype=torch.long), 3)
print(out.numpy())

# case: module-sample-method-returns-indices
import torch
import torch.nn as nn


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 10)

    def forward(self, z):
        return self.fc(z)

    def sample(self, n):
        return torch.multinomial(torch.softmax(self(torch.randn(n, 4)), dim=1), 1)


gen = Generator()
ids = gen.sample(3).numpy()
scores = gen(torch.randn(3, 4)).detach().numpy()

# case: module-forward-returns-logits
import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(x)


clf = Classifier()
clf.eval()
arr = clf(torch.randn(2, 4)).numpy()  # expect: DET101

# case: module-forward-returns-class-indices
import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(x).argmax(dim=1)


clf = Classifier()
arr = clf(torch.randn(2, 4)).numpy()

# case: module-forward-with-internal-no-grad
import torch
import torch.nn as nn


class FrozenEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        with torch.no_grad():
            return self.fc(x)


enc = FrozenEncoder()
arr = enc(torch.randn(2, 4)).numpy()

# case: numpy-maths-inside-forward
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        h = self.fc(x)
        return np.tanh(h)  # expect: DET102


net = Net()
out = net(torch.randn(2, 3))

# case: torch-maths-inside-forward
import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        h = self.fc(x)
        return torch.tanh(h) * np.sqrt(2.0)


net = Net()
out = net(torch.randn(2, 3)).detach().numpy()

# case: numpy-on-forward-input
import numpy as np
import torch
import torch.nn as nn


class Preprocess(nn.Module):
    def forward(self, x):
        clipped = np.clip(torch.relu(x).numpy(), 0.0, 1.0)  # expect: DET103
        return torch.from_numpy(clipped)


prep = Preprocess()
out = prep(torch.randn(2, 3))

# case: method-converts-attribute-model-output
import torch
import torch.nn as nn


class Trainer:
    def __init__(self):
        self.model = nn.Linear(3, 2)

    def evaluate(self, x):
        self.model.eval()
        return self.model(x).numpy()  # expect: DET101


trainer = Trainer()
scores = trainer.evaluate(torch.randn(4, 3))

# case: method-converts-attribute-model-output-no-grad
import torch
import torch.nn as nn


class Trainer:
    def __init__(self):
        self.model = nn.Linear(3, 2)

    def evaluate(self, x):
        self.model.eval()
        with torch.no_grad():
            return self.model(x).numpy()


trainer = Trainer()
scores = trainer.evaluate(torch.randn(4, 3))

# case: method-plots-parameter-attribute
import matplotlib.pyplot as plt
import torch
import torch.nn as nn


class Curve:
    def __init__(self):
        self.coefficients = nn.Parameter(torch.randn(5))

    def plot(self):
        plt.plot(self.coefficients)  # expect: DET102


Curve().plot()

# case: method-plots-detached-parameter-attribute
import matplotlib.pyplot as plt
import torch
import torch.nn as nn


class Curve:
    def __init__(self):
        self.coefficients = nn.Parameter(torch.randn(5))

    def plot(self):
        plt.plot(self.coefficients.detach())


Curve().plot()

# case: method-helper-through-self
import torch
import torch.nn as nn


class Reporter:
    def __init__(self):
        self.model = nn.Linear(3, 2)

    def to_numpy(self, t):
        return t.numpy()  # expect: DET103

    def report(self, x):
        return self.to_numpy(self.model(x))  # expect: DET101


arr = Reporter().report(torch.randn(2, 3))

# case: method-helper-through-self-argmax
import torch
import torch.nn as nn


class Reporter:
    def __init__(self):
        self.model = nn.Linear(3, 2)

    def to_numpy(self, t):
        return t.numpy()  # expect: DET103

    def report(self, x):
        return self.to_numpy(self.model(x).argmax(dim=1))


arr = Reporter().report(torch.randn(2, 3))

# case: staticmethod-helper
import torch


class Utils:
    @staticmethod
    def to_numpy(t):
        return t.cpu().numpy()  # expect: DET103


w = torch.rand(3, requires_grad=True)
arr = Utils.to_numpy(w * 3)  # expect: DET101

# case: attribute-set-from-detached-output
import torch
import torch.nn as nn


class Cache:
    def __init__(self, model):
        self.last = model(torch.randn(2, 3)).detach()

    def dump(self):
        return self.last.numpy()


cache = Cache(nn.Linear(3, 2))
arr = cache.dump()

# case: attribute-set-from-model-output
import torch
import torch.nn as nn


class Cache:
    def __init__(self):
        self.model = nn.Linear(3, 2)
        self.last = self.model(torch.randn(2, 3))

    def dump(self):
        return self.last.numpy()  # expect: DET101


cache = Cache()
arr = cache.dump()

# case: loader-parameter-batches
import torch


def collect(loader):
    return [batch["x"].numpy() for batch in loader]  # expect: DET103


batches = [{"x": torch.randn(2)}, {"x": torch.randn(2)}]
arrays = collect(batches)

# case: unknown-imported-function-result
import pickle

import torch

blob = pickle.dumps(torch.randn(3))
restored = pickle.loads(blob)
arr = restored.numpy()  # expect: DET103

# case: unknown-imported-function-result-detached
import pickle

import torch

blob = pickle.dumps(torch.randn(3))
restored = pickle.loads(blob)
arr = restored.detach().numpy()
idx = restored.argmax().numpy()

# case: tuples-returned-on-two-paths-keep-their-positions
import numpy as np
import torch


class Stage(torch.nn.Module):
    def __init__(self, downsample):
        super().__init__()
        self.proj = torch.nn.Linear(4, 4)
        self.downsample = downsample

    def forward(self, x, height, width):
        x = self.proj(x)
        if self.downsample:
            return x, (height + 1) // 2, (width + 1) // 2
        return x, height, width


stage = Stage(True)
features, height, width = stage(torch.rand(2, 4), 8, 8)
grid = np.zeros((int(np.ceil(height / 2)), int(np.ceil(width / 2))))
np.asarray(features)  # expect: DET102

# case: decode-of-a-vae-of-the-file-requires-grad
import torch


class VAE(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = torch.nn.Linear(8, 2)
        self.decoder = torch.nn.Linear(2, 8)

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return torch.sigmoid(self.decoder(z))


vae = VAE()
z = torch.randn(4, 2)
images = vae.decode(z).numpy()  # expect: DET101

# case: sample-of-a-generator-of-the-file-returns-integers
import torch


class Sampler(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.logits = torch.nn.Linear(4, 10)

    def sample(self, n):
        scores = self.logits(torch.rand(n, 4))
        return torch.multinomial(torch.softmax(scores, dim=1), 1)


tokens = Sampler().sample(3).numpy()

# case: callback-objects-in-a-list-handed-to-a-training-function
# A list of callback objects, each of a class of the file, handed to fit(): each is called in
# turn, and the one that converts what fit() hands it raises.
import numpy as np
import torch


class Printer:
    def on_step(self, loss):
        print("step")


class Averager:
    def __init__(self):
        self.total = 0.0

    def on_step(self, loss):
        self.total += float(np.asarray(loss))


net = torch.nn.Linear(2, 1)


def fit(callbacks):
    for _ in range(2):
        loss = net(torch.randn(3, 2)).pow(2).mean()
        for callback in callbacks:
            callback.on_step(loss)  # expect: DET102


fit([Printer(), Averager()])

# case: callback-objects-kept-by-a-trainer
# The same list kept by a trainer object and called from one of its methods.
import numpy as np
import torch


class Logger:
    def __init__(self):
        self.values = []

    def on_batch_end(self, out):
        self.values.append(np.asarray(out))


class Trainer:
    def __init__(self, model, callbacks):
        self.model = model
        self.callbacks = callbacks

    def step(self, batch):
        out = self.model(batch)
        for callback in self.callbacks:
            callback.on_batch_end(out)  # expect: DET102


Trainer(torch.nn.Linear(4, 2), [Logger()]).step(torch.ones(1, 4))

# case: callback-objects-handed-numbers
# Callbacks handed .item() values convert numbers: nothing to report.
import numpy as np
import torch


class Tracker:
    def __init__(self):
        self.seen = []

    def on_step(self, value):
        self.seen.append(np.float32(value))


class Silent:
    def on_step(self, value):
        return None


def train(model, hooks):
    loss = model(torch.randn(5, 3)).sum()
    loss.backward()
    for hook in hooks:
        hook.on_step(loss.item())


train(torch.nn.Linear(3, 1), [Tracker(), Silent()])

# case: helper-switching-a-model-to-eval-returns-its-output
# model.eval() does not turn grad off: the output of the model the caller passes requires grad.
import torch
from sklearn.metrics import roc_auc_score


def predict_proba(model, inputs):
    model.eval()
    return torch.sigmoid(model(inputs)).squeeze(-1)


net = torch.nn.Linear(3, 1)
scores = predict_proba(net, torch.randn(10, 3))
print(roc_auc_score([0, 1] * 5, scores))  # expect: DET102

# case: generator-yielding-predictions-after-eval
# A generator switches the model it is handed to eval mode and yields its outputs.
import numpy as np
import torch


def predictions(model, batches):
    model.eval()
    for batch in batches:
        yield model(batch)


def collect(model, batches):
    return np.concatenate(list(predictions(model, batches)))


net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
collect(net, [torch.ones(2, 3), torch.zeros(2, 3)])  # expect: DET102

# case: method-switching-a-passed-model-to-eval-under-no-grad
# The same helper under no_grad: nothing requires grad.
import numpy as np
import torch


class Evaluator:
    def scores(self, model, inputs):
        model.eval()
        with torch.no_grad():
            return model(inputs).softmax(-1)


probabilities = Evaluator().scores(torch.nn.Linear(3, 2), torch.randn(4, 3))
print(np.asarray(probabilities))

# case: helper-switching-to-eval-then-converting-inside
# The conversion inside the helper, after model.train(False): reported at the call that hands
# the model.
import numpy as np
import torch


def embed(model, inputs):
    model.train(False)
    features = model(inputs)
    return np.asarray(features)


print(embed(torch.nn.Linear(4, 2), torch.ones(3, 4)))  # expect: DET102

# case: entries-of-a-dict-argument-converted-together
# A helper converts two entries of the dict it is handed: some entry of it, not its keys.
import numpy as np
import torch


def mean_loss(losses):
    return np.mean([losses["cls"], losses["box"]])


w = torch.ones(3, requires_grad=True)
print(mean_loss({"cls": (w * 2).sum(), "box": (w * 3).sum()}))  # expect: DET102

# case: values-of-a-dict-returned-by-a-method-converted-by-a-helper
# A model method returns a dict of losses; a logging helper averages its values.
import numpy as np
import torch
import torch.nn.functional as F


class MultiTask(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.head = torch.nn.Linear(4, 2)

    def losses(self, x, target):
        out = self.head(x)
        return {"mse": F.mse_loss(out, target), "l1": F.l1_loss(out, target)}


def progress(step, task_losses):
    return f"{step}: {np.mean(list(task_losses.values())):.3f}"


net = MultiTask()
for step in range(2):
    print(progress(step, net.losses(torch.ones(3, 4), torch.zeros(3, 2))))  # expect: DET102

# case: entries-of-a-dict-argument-holding-numbers
# The same helper handed .item() values: numbers.
import numpy as np
import torch


def mean_loss(losses):
    return np.mean([losses["cls"], losses["box"]])


w = torch.ones(3, requires_grad=True)
print(mean_loss({"cls": (w * 2).sum().item(), "box": (w * 3).sum().item()}))

# case: metric-lambdas-in-a-default-dict-argument
# A helper's parameter defaults to a dict of metric lambdas; calling them runs them.
import torch
from sklearn.metrics import mean_absolute_error, r2_score

METRICS = {
    "mae": lambda pred, true: mean_absolute_error(true, pred),
    "r2": lambda pred, true: r2_score(true, pred),
}


def evaluate(model, inputs, target, metrics=METRICS):
    pred = model(inputs).squeeze(-1)
    return {name: fn(pred, target) for name, fn in metrics.items()}


print(evaluate(torch.nn.Linear(3, 1), torch.randn(8, 3), [0.5] * 8))  # expect: DET102

# case: metric-lambdas-handed-in-a-dict-to-a-method
# The dict of functions handed to a method, which calls each on a detached prediction.
import numpy as np
import torch


class Report:
    def __init__(self, model):
        self.model = model

    def scores(self, inputs, metrics):
        pred = self.model(inputs).detach()
        return {name: fn(pred) for name, fn in metrics.items()}


report = Report(torch.nn.Linear(3, 1))
print(report.scores(torch.randn(4, 3), {"mean": lambda p: np.asarray(p).mean(), "max": lambda p: np.asarray(p).max()}))

# case: keys-of-a-dict-argument-are-not-its-entries
# Iterating d.items() of a parameter: the key is a string, only the entry is the caller's tensor.
import matplotlib.pyplot as plt
import torch


def draw(maps):
    fig, axes = plt.subplots(1, len(maps), squeeze=False)
    for ax, (name, weights) in zip(axes[0], maps.items()):
        ax.imshow(weights[0])
        ax.set_title(name)
    plt.close(fig)


layer = torch.nn.Linear(4, 4)
attention = {}
attention["layer0"] = layer(torch.randn(1, 4, 4))
draw(attention)  # expect: DET102

# case: an-instance-called-runs-its-call-method
import numpy as np
import torch
import torch.nn as nn


class Silhouette:
    def __init__(self):
        self.scores = []

    def __call__(self, embeddings, labels):
        self.scores.append(float(np.asarray(embeddings).mean()))


metric = Silhouette()
encoder = nn.Linear(4, 2)
metric(encoder(torch.rand(6, 4)), None)  # expect: DET102

# case: a-metric-object-stored-on-a-trainer-called-in-a-method
import numpy as np
import torch
import torch.nn as nn


class Accuracy:
    def __call__(self, logits, target):
        return logits.softmax(1).numpy().max(1).mean()  # expect: DET103


class Trainer:
    def __init__(self):
        self.model = nn.Linear(3, 2)
        self.metric = Accuracy()

    def step(self, x, y):
        return self.metric(self.model(x), y)  # expect: DET101


print(Trainer().step(torch.rand(5, 3), torch.zeros(5, dtype=torch.long)))

# case: a-call-method-handing-its-argument-to-a-converting-helper-in-a-loop
import numpy as np
import torch
import torch.nn as nn


def _centroids(embeddings):
    return np.asarray(embeddings).mean(0)


class CollapseMetric:
    def __init__(self):
        self.history = []

    def __call__(self, embeddings):
        self.history.append(_centroids(embeddings))


def validate(batches):
    encoder = nn.Linear(4, 2)
    metric = CollapseMetric()
    for batch in batches:
        metric(encoder(batch))  # expect: DET102
    return metric.history


print(validate([torch.rand(3, 4)]))

# case: a-call-method-under-no-grad-at-the-call
import numpy as np
import torch
import torch.nn as nn


class Collector:
    def __init__(self):
        self.rows = []

    def __call__(self, output):
        self.rows.append(np.asarray(output))


collect = Collector()
net = nn.Linear(3, 2)
with torch.no_grad():
    collect(net(torch.rand(2, 3)))
print(len(collect.rows))

# case: a-helper-makes-a-tensor-of-its-numpy-argument-require-grad-the-array-stays-clean
# DeepXDE's outputs_losses: the argument is turned into a new tensor, which is made to require
# grad; the caller's NumPy array, kept in an attribute and averaged later, is untouched.
import numpy as np
import torch


class Solver:
    def __init__(self, points):
        self.points = points
        self.net = torch.nn.Linear(2, 1)

    def residual(self, inputs):
        inputs = torch.as_tensor(inputs, dtype=torch.float32)
        inputs.requires_grad_()
        out = self.net(inputs)
        grad, = torch.autograd.grad(out.sum(), inputs, create_graph=True)
        return (grad ** 2).mean()

    def step(self):
        loss = self.residual(self.points)
        loss.backward()
        return np.mean(self.points, axis=0)


solver = Solver(np.random.rand(5, 2))
print(solver.step())

# case: callbacks-of-two-classes-copied-into-a-list-each-get-the-loss
# list(callbacks) keeps each callback at its place: the loop calls each class's own method, and
# the early-stopping one converts the loss it is handed.
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class RateLogger:
    def __init__(self):
        self.rates = []

    def on_epoch_end(self, trainer, loss):
        self.rates.append(trainer.optimizer.param_groups[0]["lr"])


class EarlyStopping:
    def __init__(self):
        self.best = np.inf

    def on_epoch_end(self, trainer, loss):
        if np.less(loss, self.best):
            self.best = float(loss)


class Trainer:
    def __init__(self, model, callbacks=()):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        self.callbacks = list(callbacks)

    def fit(self, x, y, epochs):
        for _ in range(epochs):
            loss = F.mse_loss(self.model(x), y)
            for callback in self.callbacks:
                callback.on_epoch_end(self, loss)  # expect: DET102


Trainer(nn.Linear(3, 1), (RateLogger(), EarlyStopping())).fit(torch.rand(4, 3), torch.rand(4, 1), 2)

# case: unknown-method-of-a-model-handed-to-a-helper-is-not-its-output
# A method no table knows, of a model handed in (meta.finetuning(...), model.predict(...)), gives
# whatever that method gives, as it does when called on the model directly: not the model's output.
import numpy as np
import torch
from torch import nn


def mask_for(model, size):
    return model.generate_square_subsequent_mask(size)


class Plotter:
    def __init__(self, model):
        self.model = model

    def masks(self, sizes):
        return [np.asarray(mask_for(self.model, size)) for size in sizes]


def output_of(model, source, target):
    return model(source, target)


transformer = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                             dim_feedforward=16)
print(np.asarray(mask_for(transformer, 4)).shape, len(Plotter(transformer).masks([2, 3])))
out = output_of(transformer, torch.rand(3, 1, 8), torch.rand(2, 1, 8))
print(np.asarray(out).shape)  # expect: DET102

# case: metric-accumulating-one-entry-of-a-batch-dict-with-a-buffer-is-only-hinted
import numpy as np
import torch
from torch import nn


class Accuracy:
    def __init__(self):
        self.targets = torch.zeros(0, dtype=torch.long)

    def update(self, batch):
        self.targets = torch.cat((self.targets, batch["target"]))
        return np.bincount(self.targets)  # expect: DET103


model = nn.Linear(4, 3)
metric = Accuracy()
for _ in range(2):
    x = torch.randn(5, 4)
    metric.update({"logits": model(x), "target": torch.randint(0, 3, (5,))})

# case: metric-accumulating-the-model-entry-of-a-batch-dict-with-a-buffer
import numpy as np
import torch
from torch import nn


class Scores:
    def __init__(self):
        self.reference = torch.zeros(2)

    def update(self, batch):
        scores = torch.cat((self.reference, batch["logits"][:, 0]))
        return np.median(scores)  # expect: DET103


model = nn.Linear(4, 3)
metric = Scores()
for _ in range(2):
    x = torch.randn(5, 4)
    metric.update({"logits": model(x), "target": torch.randint(0, 3, (5,))})  # expect: DET102

# case: helper-stacking-the-label-half-of-a-pair-with-a-constant-is-only-hinted
import numpy as np
import torch
from torch import nn


def label_counts(pair):
    stacked = torch.stack([torch.zeros(3, dtype=torch.long), pair[1]])
    return np.asarray(stacked).sum(axis=0)  # expect: DET103


net = nn.Linear(2, 3)
inputs = torch.randn(3, 2)
print(label_counts((net(inputs), net(inputs).argmax(dim=1))))

# case: helper-stacking-the-output-half-of-a-pair-with-a-constant
import numpy as np
import torch
from torch import nn


def output_means(pair):
    stacked = torch.stack([torch.zeros(3), pair[0].mean(dim=1)])
    return np.asarray(stacked).sum(axis=0)  # expect: DET103


net = nn.Linear(2, 3)
inputs = torch.randn(3, 2)
print(output_means((net(inputs), net(inputs).argmax(dim=1))))  # expect: DET102

# case: loop-concatenating-one-entry-of-each-output-dict-is-only-hinted
import torch
from torch import nn


def gather_labels(outputs):
    labels = torch.zeros(0, dtype=torch.long)
    for out in outputs:
        labels = torch.cat([labels, out["labels"]])
    return labels.numpy()  # expect: DET103


def predict(model, batches):
    results = []
    for batch in batches:
        logits = model(batch)
        results.append({"logits": logits, "labels": logits.argmax(dim=1)})
    return gather_labels(results)


print(predict(nn.Linear(3, 2), [torch.randn(4, 3) for _ in range(2)]))

# case: loop-concatenating-the-logits-entry-of-each-output-dict
import torch
from torch import nn


def gather_logits(outputs):
    logits = torch.zeros(0, 2)
    for out in outputs:
        logits = torch.cat([logits, out["logits"]])
    return logits.numpy()  # expect: DET103


def predict(model, batches):
    results = []
    for batch in batches:
        logits = model(batch)
        results.append({"logits": logits, "labels": logits.argmax(dim=1)})
    return gather_logits(results)


print(predict(nn.Linear(3, 2), [torch.randn(4, 3) for _ in range(2)]))  # expect: DET101

# case: a-helper-converting-a-named-entry-and-then-every-entry-through-one-converter
import numpy as np
import torch
from torch import nn


def to_array(value):
    if isinstance(value, torch.Tensor):
        return to_array(value.numpy())  # expect: DET103
    return np.asarray(value, dtype=np.float32)


def summarize(sample):
    points = to_array(sample["points"])
    columns = {key: to_array(value) for key, value in sample.items()}
    return points.shape, sorted(columns)


net = nn.Linear(3, 2)
points = torch.rand(5, 3)
print(summarize({"points": points, "score": net(points).max(-1).values}))  # expect: DET101

# case: a-method-converting-a-named-entry-and-then-every-entry-through-one-converter
import numpy as np
import torch
from torch import nn


class Scene:
    def __init__(self):
        self.layers = {}

    def _convert(self, value):
        if isinstance(value, torch.Tensor):
            return self._convert(value.numpy())  # expect: DET103
        return np.asarray(value)

    def add(self, name, data):
        self.layers[name] = {"xyz": self._convert(data["xyz"])}
        for key, value in data.items():
            self.layers[name][key] = self._convert(value)


net = nn.Linear(3, 4)
xyz = torch.rand(6, 3)
scene = Scene()
for step in range(2):
    scene.add(f"frame{step}", {"xyz": xyz, "logits": net(xyz)})  # expect: DET101

# case: a-helper-converting-a-named-entry-and-then-every-entry-given-plain-tensors-is-only-hinted
import numpy as np
import torch
from torch import nn


def to_array(value):
    if isinstance(value, torch.Tensor):
        return to_array(value.numpy())  # expect: DET103
    return np.asarray(value, dtype=np.float32)


def summarize(sample):
    points = to_array(sample["points"])
    columns = {key: to_array(value) for key, value in sample.items()}
    return points.shape, sorted(columns)


net = nn.Linear(3, 2)
points = torch.rand(5, 3)
with torch.no_grad():
    score = net(points).max(-1).values
print(summarize({"points": points, "score": score}))

# case: a-helper-building-a-sparse-matrix-from-weights-and-an-index-pair
import numpy as np
import scipy.sparse as sp
import torch
from torch import nn


def attention_matrix(edge_index, alpha, num_nodes):
    weights = alpha.mean(-1)
    rows, cols = edge_index[0], edge_index[1]
    return sp.coo_matrix((weights, (rows, cols)), shape=(num_nodes, num_nodes))


score = nn.Linear(4, 2)
edges = np.array([[0, 1, 2], [1, 2, 0]])
print(attention_matrix(edges, score(torch.randn(3, 4)), 3).nnz)  # expect: DET102

# case: a-method-stacking-its-argument-beside-a-literal-row
import numpy as np
import torch
from torch import nn


class Table:
    def __init__(self):
        self.rows = []

    def add(self, values):
        self.rows.append(np.array([values, [0.0, 1.0]]))


model = nn.Linear(3, 2)
table = Table()
table.add(model(torch.randn(1, 3))[0])  # expect: DET102

# case: a-helper-building-a-sparse-matrix-from-detached-weights-stays-clean
import numpy as np
import scipy.sparse as sp
import torch
from torch import nn


def attention_matrix(edge_index, alpha, num_nodes):
    weights = alpha.mean(-1)
    rows, cols = edge_index[0], edge_index[1]
    return sp.coo_matrix((weights, (rows, cols)), shape=(num_nodes, num_nodes))


score = nn.Linear(4, 2)
edges = np.array([[0, 1, 2], [1, 2, 0]])
print(attention_matrix(edges, score(torch.randn(3, 4)).detach(), 3).nnz)
