# Evidence: a default finding (DET101/DET102) needs proof in the file that the value requires
# grad.  Objects of unknown type that are only moved with .to(), switched with .eval() or called
# are no proof (library pipelines run without grad): at most DET103.  Objects on which
# .parameters(), .state_dict(), .zero_grad() or .load_state_dict() is called, and what torch.load
# returns when it is called, are taken for models that hold parameters.
# The libraries are stand-ins in tests/thirdparty, invisible to the checker.

# case: pipeline-moved-and-called-is-no-proof
import torch
from thirdparty.pipelines import load_pipeline

pipe = load_pipeline("sentiment")
pipe.to("cpu")
out = pipe(torch.rand(2, 4))
arr = out.numpy()  # expect: DET103

# case: pipeline-switched-to-eval-inside-a-function
import numpy as np
import torch
from thirdparty.pipelines import load_pipeline


def embed(texts):
    pipe = load_pipeline("embeddings").to("cpu")
    pipe.eval()
    return pipe(texts)


vectors = embed(torch.rand(3, 4))
table = np.asarray(vectors)  # expect: DET103

# case: pipeline-held-by-an-object-and-called-in-a-loop
import matplotlib.pyplot as plt
import torch
from thirdparty.pipelines import load_pipeline


class Demo:
    def __init__(self):
        self.pipe = load_pipeline("demo")
        self.pipe.to("cpu")

    def run(self, batches):
        for batch in batches:
            plt.plot(self.pipe(batch)[:, 0])  # expect: DET103


Demo().run([torch.rand(2, 4), torch.rand(2, 4)])

# case: evaluator-eval-with-an-argument-is-not-a-module
import matplotlib.pyplot as plt
import torch
from thirdparty.evaluation import Evaluator

model = torch.nn.Linear(4, 1)
evaluator = Evaluator(model)
scores = evaluator.eval([torch.rand(2, 4), torch.rand(2, 4)])
plt.plot(scores)

# case: opaque-model-trained-with-its-parameters
import torch
from thirdparty.models import build_model

model = build_model("mlp")
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
out = model(torch.rand(3, 4))
arr = out.numpy()  # expect: DET101

# case: opaque-model-zero-grad-in-a-training-function
import matplotlib.pyplot as plt
import torch
from thirdparty.models import build_model


def train_step(net, batch):
    net.zero_grad()
    preds = net(batch)
    preds.sum().backward()
    return preds


model = build_model("mlp")
plt.plot(train_step(model, torch.rand(3, 4))[:, 0])  # expect: DET102

# case: opaque-model-state-dict-loaded-then-called
import numpy as np
import torch
from thirdparty.models import build_model

model = build_model("mlp")
model.load_state_dict(build_model("mlp").state_dict())
logits = model(torch.rand(5, 4))
probabilities = np.asarray(torch.softmax(logits, dim=1))  # expect: DET102

# case: opaque-model-only-switched-to-eval
# A real model, but the file shows only .eval() and a call: no proof (known limitation).
import torch
from thirdparty.models import build_model

model = build_model("mlp")
model.eval()
arr = model(torch.rand(2, 4)).numpy()  # expect: DET101

# case: state-dict-values-of-an-opaque-model-do-not-require-grad
import numpy as np
from thirdparty.models import build_model

model = build_model("mlp")
weights = {name: np.asarray(tensor) for name, tensor in model.state_dict().items()}

# case: torch-load-of-a-whole-model-then-called
import io

import torch

buffer = io.BytesIO()
torch.save(torch.nn.Linear(4, 2), buffer)
buffer.seek(0)
model = torch.load(buffer, weights_only=False)
scores = model(torch.rand(3, 4)).numpy()  # expect: DET101

# case: torch-load-of-a-state-dict-converted
import io

import numpy as np
import torch

buffer = io.BytesIO()
torch.save(torch.nn.Linear(4, 2).state_dict(), buffer)
buffer.seek(0)
state = torch.load(buffer)
kernel = np.asarray(state["weight"])

# case: torch-load-of-a-model-in-a-method
import io

import matplotlib.pyplot as plt
import torch


class Predictor:
    def __init__(self, checkpoint):
        self.model = torch.load(checkpoint, weights_only=False)

    def plot(self, batch):
        plt.plot(self.model(batch)[:, 0])  # expect: DET102


buffer = io.BytesIO()
torch.save(torch.nn.Linear(4, 2), buffer)
buffer.seek(0)
Predictor(buffer).plot(torch.rand(3, 4))

# case: deepcopy-of-a-layer-is-a-layer
import copy

import torch

teacher = torch.nn.Linear(4, 2)
student = copy.deepcopy(teacher)
arr = student(torch.rand(2, 4)).numpy()  # expect: DET101

# case: traced-layer-is-a-layer
import torch

layer = torch.nn.Linear(4, 2)
traced = torch.jit.trace(layer, torch.rand(1, 4))
arr = traced(torch.rand(2, 4)).numpy()  # expect: DET101

# case: torch-layer-moved-to-device-is-proof
import numpy as np
import torch

device = "cpu"
net = torch.nn.Linear(4, 2).to(device)
net.eval()
np.asarray(net(torch.rand(2, 4)))  # expect: DET102

# case: submodule-weight-of-a-library-model
import numpy as np
import torch

backbone = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU())
wrapper = torch.nn.ModuleDict({"stem": backbone})
kernel = np.asarray(wrapper.stem[0].weight)  # expect: DET102

# case: submodule-called-after-switching-to-eval
import torch

model = torch.nn.Sequential()
model.add_module("head", torch.nn.Linear(4, 2))
model.head.eval()
arr = model.head(torch.rand(1, 4)).numpy()  # expect: DET101

# case: module-copies-are-modules
import numpy as np
import torch

layer = torch.nn.Linear(4, 2).double().cuda() if torch.cuda.is_available() else torch.nn.Linear(4, 2).double()
np.asarray(layer(torch.rand(1, 4, dtype=torch.float64)))  # expect: DET102, DET201

# case: pretrained-embedding-is-frozen
import numpy as np
import torch

embedding = torch.nn.Embedding.from_pretrained(torch.rand(10, 4))
vectors = np.asarray(embedding(torch.tensor([1, 2])))

# case: pretrained-embedding-trained-further
import numpy as np
import torch

embedding = torch.nn.Embedding.from_pretrained(torch.rand(10, 4), freeze=False)
vectors = np.asarray(embedding(torch.tensor([1, 2])))  # expect: DET102

# case: first-parameter-through-next-iter
import torch

net = torch.nn.Linear(3, 2)
first = next(iter(net.parameters()))
arr = first.numpy()  # expect: DET101

# case: parameter-by-name
import matplotlib.pyplot as plt
import torch

net = torch.nn.Sequential(torch.nn.Linear(3, 2))
plt.imshow(net.get_parameter("0.weight"))  # expect: DET102

# case: classes-of-a-literal-list-instantiated-in-a-loop-each-on-its-own
# A loop over a literal list of the file's classes (or functions) runs once per element: a
# class without parameters is not the join of all of them.
import torch
import torch.nn as nn


class Square(nn.Module):
    def forward(self, x):
        return x * x


class Cube(nn.Module):
    def forward(self, x):
        return x * x * x


x = torch.linspace(-1, 1, 5)
for activation in [Square, Cube]:
    print(activation()(x).numpy())

# case: functions-of-a-literal-tuple-applied-in-a-loop
import numpy as np
import torch
import torch.nn as nn

layer = nn.Linear(3, 3)


def halve(t):
    return t / 2


def project(t):
    return layer(t)


x = torch.rand(3)
for transform in (halve, torch.tanh, project):
    print(np.asarray(transform(x)))  # expect: DET102

# case: one-class-of-a-literal-list-has-parameters
import torch
import torch.nn as nn


class Identity(nn.Module):
    def forward(self, x):
        return x


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return x * self.scale


for make in [Identity, Scaled]:
    model = make()
    print(model(torch.rand(2)).numpy())  # expect: DET101

# case: loss-from-an-imported-criterion-is-differentiated-so-its-history-converts
import numpy as np
import torch
from torch import nn
from thirdparty.differentiable import focal_loss

model = nn.Linear(4, 3)
history = []
for step in range(3):
    loss = focal_loss(model(torch.randn(8, 4)), torch.randint(0, 3, (8,)))
    history.append(loss)
    loss.backward()
print(np.mean(history))  # expect: DET102

# case: method-differentiates-what-a-library-scorer-gives-and-another-method-plots-it
import matplotlib.pyplot as plt
import torch
from torch import nn
from thirdparty.differentiable import perceptual_distance


class Reconstructor:
    def __init__(self):
        self.decoder = nn.Linear(2, 6)
        self.errors = []

    def step(self, code, target):
        error = perceptual_distance(self.decoder(code), target)
        error.backward()
        self.errors.append(error)

    def report(self):
        plt.plot(self.errors)  # expect: DET102


rec = Reconstructor()
rec.step(torch.randn(5, 2), torch.randn(5, 6))
rec.report()

# case: autograd-grad-of-a-library-output-proves-it-carries-a-graph
import torch
from thirdparty.differentiable import scattering

signal = torch.randn(32, requires_grad=True)
energies = []
for shift in range(3):
    energy = scattering(signal.roll(shift)).pow(2).sum()
    (gradient,) = torch.autograd.grad(energy, [signal])
    energies.append(energy.numpy())  # expect: DET101

# case: name-rebound-to-an-undecided-value-after-backward-is-not-taken-as-differentiated
import numpy as np
import torch
from torch import nn
from thirdparty.differentiable import evaluate, hinge

model = nn.Linear(4, 1)
scores = []
for step in range(2):
    loss = hinge(model(torch.randn(8, 4)))
    loss.backward()
    loss = evaluate(model)
    scores.append(loss)
print(np.mean(scores))

# case: gradients-taken-with-autograd-grad-and-a-graph-leave-parameter-grads-plain
import torch
from torch import nn

net = nn.Linear(1, 1)
x = torch.rand(5, 1, requires_grad=True)
u = net(x)
(du,) = torch.autograd.grad(u.sum(), x, create_graph=True)
loss = du.pow(2).mean()
loss.backward()
print(net.weight.grad.numpy())

# case: gradients-filled-by-backward-with-a-graph-require-grad
import torch
from torch import nn

net = nn.Linear(1, 1)
x = torch.rand(5, 1)
loss = net(x).pow(2).mean()
loss.backward(create_graph=True)
print([p.grad.numpy() for p in net.parameters()])  # expect: DET101

# case: a-flat-objective-object-handed-to-scipy-returns-its-loss-tensor
import numpy as np
import torch
from scipy.optimize import minimize
from torch import nn


class Objective:
    def __init__(self, model, x):
        self.model, self.x = model, x

    def __call__(self, theta):
        with torch.no_grad():
            self.model.weight.copy_(torch.as_tensor(theta, dtype=torch.float32).view(1, 2))
        self.model.zero_grad()
        loss = self.model(self.x).pow(2).mean()
        loss.backward()
        return loss, self.model.weight.grad.double().numpy().ravel()


net = nn.Linear(2, 1)
result = minimize(Objective(net, torch.randn(8, 2)), np.zeros(2), jac=True)  # expect: DET102
