# Where requires_grad comes from: leaves, parameters, module outputs, and what propagates it.

# case: requires-grad-underscore-method
import torch

x = torch.zeros(3)
x.requires_grad_()
arr = x.numpy()  # expect: DET101

# case: requires-grad-underscore-false
import torch

x = torch.zeros(3, requires_grad=True)
x.requires_grad_(False)
arr = x.numpy()

# case: requires-grad-attribute-assignment
import torch

x = torch.zeros(3)
x.requires_grad = True
arr = x.numpy()  # expect: DET101

# case: requires-grad-chained-factory
import torch

x = torch.zeros(3).requires_grad_()
arr = x.numpy()  # expect: DET101

# case: requires-grad-false-keyword
import torch

x = torch.zeros(3, requires_grad=False)
arr = x.numpy()

# case: variable-with-requires-grad
import torch
from torch.autograd import Variable

x = Variable(torch.ones(2), requires_grad=True)
arr = x.numpy()  # expect: DET101

# case: nn-parameter
import torch
import torch.nn as nn

p = nn.Parameter(torch.randn(3))
arr = p.numpy()  # expect: DET101

# case: nn-parameter-requires-grad-false
import torch
import torch.nn as nn

p = nn.Parameter(torch.randn(3), requires_grad=False)
arr = p.numpy()

# case: linear-weight
import torch
import torch.nn as nn

layer = nn.Linear(4, 2)
w = layer.weight.numpy()  # expect: DET101

# case: linear-bias-detached
import torch
import torch.nn as nn

layer = nn.Linear(4, 2)
b = layer.bias.detach().numpy()
w = layer.weight.data.numpy()

# case: embedding-rows
import torch
import torch.nn as nn

emb = nn.Embedding(10, 4)
rows = emb.weight[torch.tensor([1, 2])].numpy()  # expect: DET101

# case: embedding-call
import torch
import torch.nn as nn

emb = nn.Embedding(10, 4)
vectors = emb(torch.tensor([1, 2]))
arr = vectors.cpu().numpy()  # expect: DET101

# case: named-parameters-values
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
for name, param in model.named_parameters():
    print(name, param.numpy().shape)  # expect: DET101

# case: named-parameters-detached
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
for name, param in model.named_parameters():
    print(name, param.detach().numpy().shape)

# case: parameters-list-first
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
first = list(model.parameters())[0]
arr = first.numpy()  # expect: DET101

# case: sequential-index-weight
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
arr = model[0].weight.numpy()  # expect: DET101

# case: module-call-output
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
out = model(torch.randn(2, 4))
arr = out.numpy()  # expect: DET101

# case: parameterless-module-on-data
import torch
import torch.nn as nn

act = nn.ReLU()
pool = nn.MaxPool1d(2)
out = pool(act(torch.randn(1, 2, 4)))
arr = out.numpy()

# case: parameterless-module-on-grad-input
import torch
import torch.nn as nn

act = nn.Sigmoid()
w = torch.randn(4, requires_grad=True)
arr = act(w).numpy()  # expect: DET101

# case: loss-module-on-data
import torch
import torch.nn as nn

criterion = nn.MSELoss()
loss = criterion(torch.randn(4), torch.randn(4))
arr = loss.numpy()

# case: loss-module-on-model-output
import torch
import torch.nn as nn

model = nn.Linear(4, 1)
criterion = nn.MSELoss()
loss = criterion(model(torch.randn(3, 4)), torch.randn(3, 1))
arr = loss.numpy()  # expect: DET101

# case: functional-linear-with-parameter
import torch
import torch.nn as nn
import torch.nn.functional as F

w = nn.Parameter(torch.randn(2, 4))
out = F.linear(torch.randn(3, 4), w)
arr = out.numpy()  # expect: DET101

# case: functional-linear-with-plain-weight
import torch
import torch.nn.functional as F

w = torch.randn(2, 4)
out = F.linear(torch.randn(3, 4), w)
arr = F.relu(out).numpy()

# case: frozen-model-output
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
model.requires_grad_(False)
arr = model(torch.randn(3, 4)).numpy()

# case: frozen-model-by-parameter-loop
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
for p in model.parameters():
    p.requires_grad = False
arr = model(torch.randn(3, 4)).numpy()

# case: partly-frozen-model-output
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
model.weight.requires_grad_(False)
arr = model(torch.randn(3, 4)).numpy()  # expect: DET101

# case: frozen-model-with-grad-input
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
model.requires_grad_(False)
x = torch.randn(3, 4, requires_grad=True)
arr = model(x).numpy()  # expect: DET101

# case: lstm-hidden-state
import torch
import torch.nn as nn

lstm = nn.LSTM(3, 5, batch_first=True)
output, (hidden, cell) = lstm(torch.randn(1, 4, 3))
arr = hidden.numpy()  # expect: DET101

# case: custom-module-parameter-attribute
import torch
import torch.nn as nn


class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return self.alpha * x


module = Scale()
print(module.alpha.numpy())  # expect: DET101

# case: custom-module-buffer-attribute
import torch
import torch.nn as nn


class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("alpha", torch.ones(1))

    def forward(self, x):
        return self.alpha * x


module = Scale()
print(module.alpha.numpy(), module(torch.ones(2)).numpy())

# case: optimised-leaf-after-steps
import torch

z = torch.zeros(2, requires_grad=True)
opt = torch.optim.SGD([z], lr=0.1)
for _ in range(3):
    opt.zero_grad()
    ((z - 1) ** 2).sum().backward()
    opt.step()
arr = z.numpy()  # expect: DET101

# case: optimised-leaf-read-under-no-grad
import torch

z = torch.zeros(2, requires_grad=True)
opt = torch.optim.SGD([z], lr=0.1)
for _ in range(3):
    opt.zero_grad()
    ((z - 1) ** 2).sum().backward()
    opt.step()
with torch.no_grad():
    arr = z.numpy()

# case: param-group-tensor
import torch
import torch.nn as nn

model = nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
first = opt.param_groups[0]["params"][0]
arr = first.numpy()  # expect: DET101

# case: parameters-to-vector
import torch
import torch.nn as nn

model = nn.Linear(2, 1)
flat = nn.utils.parameters_to_vector(model.parameters())
arr = flat.numpy()  # expect: DET101

# case: init-returns-the-parameter
import torch
import torch.nn as nn

layer = nn.Linear(2, 2)
w = nn.init.xavier_uniform_(layer.weight)
arr = w.numpy()  # expect: DET101

# case: view-of-parameter-under-no-grad
# A view keeps requires_grad even when it is made under no_grad.
import torch
import torch.nn as nn

layer = nn.Linear(4, 2)
with torch.no_grad():
    row = layer.weight[0]
    flat = layer.weight.view(-1)
arr = row.numpy()  # expect: DET101

# case: view-of-parameter-converted-in-no-grad
import torch
import torch.nn as nn

layer = nn.Linear(4, 2)
with torch.no_grad():
    row = layer.weight[0]
    arr = row.numpy()

# case: cpu-of-cpu-parameter-under-no-grad
# .cpu() on a CPU tensor returns the tensor itself.
import torch
import torch.nn as nn

layer = nn.Linear(4, 2)
with torch.no_grad():
    w = layer.weight.cpu()
arr = w.numpy()  # expect: DET101

# case: float-of-float-parameter-under-no-grad
import torch
import torch.nn as nn

layer = nn.Linear(4, 2)
with torch.no_grad():
    w = layer.weight.float()
arr = w.numpy()  # expect: DET101

# case: double-of-float-parameter-under-no-grad
# A real dtype change copies, and a copy made under no_grad does not require grad.
import torch
import torch.nn as nn

layer = nn.Linear(4, 2)
with torch.no_grad():
    w = layer.weight.double()
arr = w.numpy()

# case: advanced-index-of-parameter-under-no-grad
import torch
import torch.nn as nn

layer = nn.Linear(4, 3)
with torch.no_grad():
    rows = layer.weight[[0, 2]]
arr = rows.numpy()

# case: clone-of-parameter-under-no-grad
import torch
import torch.nn as nn

layer = nn.Linear(4, 3)
with torch.no_grad():
    w = layer.weight.clone()
arr = w.numpy()

# case: contiguous-of-parameter-under-no-grad
import torch
import torch.nn as nn

layer = nn.Linear(4, 3)
with torch.no_grad():
    w = layer.weight.t().contiguous()
    same = layer.weight.contiguous()
arr = w.numpy()
arr2 = same.numpy()  # expect: DET101

# case: arithmetic-on-parameter-under-no-grad
import torch
import torch.nn as nn

layer = nn.Linear(4, 3)
with torch.no_grad():
    scaled = layer.weight * 2
    norm = layer.weight.abs()
arr = scaled.numpy()
arr2 = norm.numpy()

# case: leaf-updated-in-place-under-no-grad
import torch

w = torch.zeros(2, requires_grad=True)
with torch.no_grad():
    w += 1
arr = w.numpy()  # expect: DET101

# case: leaf-rebound-under-no-grad
import torch

w = torch.zeros(2, requires_grad=True)
with torch.no_grad():
    w = w - 1
arr = w.numpy()

# case: custom-autograd-function-forward-runs-without-grad
# forward of an autograd.Function runs with grad mode off.
import numpy as np
import torch


class NumpyExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        result = torch.from_numpy(np.exp(x.numpy()))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


w = torch.randn(3, requires_grad=True)
out = NumpyExp.apply(w)
out.sum().backward()
print(w.grad.numpy())

# case: first-item-of-a-full-reduction-raises-index-error
# x.mean(), torch.sum(x) have no dimensions: loss.data[0] (torch 0.3's idiom) raises
# IndexError, so no tensor reaches the list.
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

model = nn.Linear(2, 1).cuda()
losses = []
for _ in range(2):
    loss = model(torch.ones(1, 2).cuda()).pow(2).mean()
    try:
        losses.append(loss.data[0])
    except IndexError:
        losses.append(loss.item())
plt.plot(losses)

# case: first-row-of-a-reduction-over-a-dim-is-a-tensor
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

model = nn.Linear(2, 3)
rows = []
for _ in range(2):
    out = model(torch.ones(4, 2))
    rows.append(torch.sum(out, 0)[0])
    rows.append(out.mean(dim=1)[0])
plt.plot(rows)  # expect: DET102

# case: model-frozen-by-named-parameters
# Every parameter frozen in a loop over named_parameters(): the output requires no grad.
import numpy as np
import torch

model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU())
for name, parameter in model.named_parameters():
    parameter.requires_grad_(False)
print(np.asarray(model(torch.ones(2, 4))))

# case: frozen-backbone-with-a-new-head
# The transfer-learning recipe: freeze every parameter, then replace the head; the new head's
# parameters require grad, and so does the model's output.
import numpy as np
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 4)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(self.body(x))


model = Net()
for p in model.parameters():
    p.requires_grad = False
model.fc = nn.Linear(4, 2)
print(np.asarray(model(torch.ones(2, 4))))  # expect: DET102

# case: frozen-sequential-with-a-layer-replaced-by-index
# model[2] = ... replaces a layer of a frozen Sequential: the model is still a model, and the new
# layer requires grad.
import numpy as np
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
model.requires_grad_(False)
model[2] = nn.Linear(4, 2)
print(np.asarray(model(torch.ones(2, 4))))  # expect: DET102

# case: frozen-classifier-layer-replaced-in-a-function
# The same recipe inside a function, on a submodule's item (torchvision's VGG tutorial shape).
import numpy as np
import torch
from torch import nn


def finetune_ready(model):
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[1] = nn.Linear(8, 3)
    return model


net = nn.Sequential()
net.features = nn.Linear(4, 8)
net.classifier = nn.Sequential(nn.ReLU(), nn.Linear(8, 2))
net = finetune_ready(net)
print(np.asarray(net(torch.ones(2, 4))))  # expect: DET102

# case: frozen-model-with-a-frozen-head
# A new head that is itself frozen leaves the output free of grad.
import numpy as np
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
model.requires_grad_(False)
model[2] = nn.Linear(4, 2).requires_grad_(False)
print(np.asarray(model(torch.ones(2, 4))))

# case: frozen-sequential-with-a-layer-appended
import numpy as np
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
for p in model.parameters():
    p.requires_grad = False
model.append(nn.Linear(8, 2))
print(np.asarray(model(torch.randn(3, 4))))  # expect: DET102

# case: frozen-backbone-with-a-head-added-by-add-module
import numpy as np
import torch
from torch import nn

backbone = nn.Sequential(nn.Linear(4, 8), nn.Tanh())
backbone.requires_grad_(False)
backbone.add_module("head", nn.Linear(8, 2))
out = backbone(torch.randn(2, 4))
print(out.numpy())  # expect: DET101

# case: frozen-attribute-model-extended-in-init
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from torch import nn


class FineTuner:
    def __init__(self):
        self.net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.net.requires_grad_(False)
        self.net.extend([nn.Linear(8, 8), nn.Linear(8, 1)])

    def show(self, x):
        plt.plot(self.net(x))  # expect: DET102


FineTuner().show(torch.randn(5, 4))

# case: frozen-model-with-a-layer-inserted-in-a-loop
import numpy as np
import torch
from torch import nn


def main():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
    for p in model.parameters():
        p.requires_grad = False
    for width in (8,):
        model.insert(2, nn.Linear(width, 2))
    scores = model(torch.randn(3, 4))
    return np.asarray(scores)  # expect: DET102


main()

# case: frozen-module-list-with-a-layer-inserted
import numpy as np
import torch
from torch import nn


class Probe(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4)])
        for p in self.layers.parameters():
            p.requires_grad = False
        self.layers.insert(1, nn.Linear(4, 1))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


print(np.array(Probe()(torch.randn(2, 4))))  # expect: DET102

# case: loop-over-the-parts-of-a-sequential
import numpy as np
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
x = torch.randn(3, 4)
for layer in model:
    x = layer(x)
print(np.asarray(x))  # expect: DET102

# case: frozen-sequential-with-a-parameterless-part-appended-stays-clean
import numpy as np
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
for p in model.parameters():
    p.requires_grad = False
model.append(nn.Identity())
print(np.asarray(model(torch.randn(3, 4))))

# case: frozen-sequential-looped-and-given-a-frozen-head-stays-clean
import numpy as np
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
model.requires_grad_(False)
x = torch.randn(3, 4)
for layer in model:
    x = layer(x)
print(np.asarray(x))
head = nn.Linear(8, 2)
head.requires_grad_(False)
model.append(head)
print(np.asarray(model(torch.randn(3, 4))))

# case: module-list-of-the-files-blocks-looped-in-reverse-calling-a-method
import numpy as np
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return torch.relu(self.fc(x))

    def invert(self, y):
        return self.fc(y) - y


class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block() for _ in range(3)])

    def decode(self, z):
        for block in reversed(self.blocks):
            z = block.invert(z)
        return z


print(np.histogram(Stack().decode(torch.randn(4, 2)), bins=5))  # expect: DET102

# case: module-dict-of-the-files-heads-indexed-by-name
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from torch import nn


class Head(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.out = nn.Linear(3, n)

    def scores(self, x):
        return self.out(x).softmax(-1)


heads = nn.ModuleDict({"age": Head(4), "sex": Head(2)})
x = torch.randn(6, 3)
for name in ["age", "sex"]:
    plt.bar(range(heads[name].out.out_features), heads[name].scores(x)[0])  # expect: DET102

# case: first-part-of-a-sequential-calls-its-own-method
import numpy as np
import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(5, 2)

    def embed(self, x):
        return self.proj(x)


class Exporter:
    def __init__(self):
        self.model = nn.Sequential(Encoder(), nn.ReLU())

    def export(self, x):
        return np.asarray(self.model[0].embed(x))  # expect: DET102


Exporter().export(torch.randn(3, 5))

# case: module-list-of-parameterless-blocks-stays-clean
import numpy as np
import torch
from torch import nn


class Scale(nn.Module):
    def forward(self, x):
        return x * 2

    def describe(self, x):
        return x.mean(0)


pipeline = nn.ModuleList([Scale(), Scale()])
z = torch.randn(3, 2)
for stage in pipeline:
    z = stage(z)
print(np.asarray(pipeline[1].describe(z)))

# case: gradient-by-torch-func-of-an-energy-using-a-layer
import torch
import torch.func

net = torch.nn.Linear(3, 1)


def energy(x):
    return (net(x) ** 2).sum()


force = torch.func.grad(energy)(torch.randn(3))
print(force.numpy())  # expect: DET101

# case: jacobian-of-a-model-by-jacfwd-shown-in-a-method
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from torch.func import jacfwd


class Sensitivity:
    def __init__(self, model):
        self.model = model

    def plot(self, x):
        jac = jacfwd(self.model)(x)
        plt.imshow(jac)  # expect: DET102


Sensitivity(torch.nn.Linear(3, 2)).plot(torch.randn(3))

# case: jacobian-taken-under-no-grad
import numpy as np
import torch
from torch.func import jacrev

net = torch.nn.Linear(3, 3)
with torch.no_grad():
    jac = jacrev(net)(torch.randn(3))
print(np.abs(jac).max())

# case: a-model-that-freezes-itself-in-its-constructor-stays-clean
# The constructor loops over self.parameters() after storing its parts: the parts it holds are
# frozen, so forward's output requires no grad.
import numpy as np
import torch
from torch import nn


class Extractor(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Linear(6, 6), nn.Tanh())
        self.proj = nn.Linear(6, 3)
        for weight in self.parameters():
            weight.requires_grad = False

    def forward(self, x):
        return self.proj(self.stem(x))


features = [np.asarray(Extractor()(torch.rand(2, 6))) for _ in range(3)]
print(np.stack(features).shape)

# case: a-teacher-frozen-by-requires-grad-in-its-constructor-and-a-trained-student
# Distillation: the teacher turns its own grad off in __init__, the student trains; only the
# student's output requires grad.
import numpy as np
import torch
from torch import nn


class Teacher(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(width, width) for _ in range(2)])
        self.requires_grad_(False)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class Distiller:
    def __init__(self):
        self.teacher = Teacher(4)
        self.student = nn.Linear(4, 4)

    def gap(self, size):
        gaps = []
        for _ in range(size):
            x = torch.rand(3, 4)
            soft = self.teacher(x).numpy()
            mine = self.student(x).numpy()  # expect: DET101
            gaps.append(np.abs(soft - mine).mean())
        return gaps


print(Distiller().gap(2))

# case: a-constructor-that-freezes-its-backbone-and-then-adds-a-head
# Freezing covers the parts stored before it: the head stored after still trains.
import numpy as np
import torch
from torch import nn


class Probe(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Linear(5, 5)
        for _, weight in self.named_parameters():
            weight.requires_grad_(False)
        self.head = nn.Linear(5, 2)

    def forward(self, x):
        return self.head(self.backbone(x))

    def predict(self, batches):
        return [np.argmax(self(batch), axis=1) for batch in batches]  # expect: DET102


print(Probe().predict([torch.rand(2, 5)]))

# case: parts-reached-through-attributes-of-a-frozen-model-stay-clean
# The backbone is frozen by a helper and the encoder by requires_grad_(False) where it is
# stored: the weights read through their parts' attributes require no grad.
import numpy as np
import torch
from torch import nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.body = nn.Sequential(nn.Linear(4, 4), nn.ReLU())

    def forward(self, x):
        return self.body(self.proj(x))


def freeze(module):
    for weight in module.parameters():
        weight.requires_grad_(False)
    return module


class Probe:
    def __init__(self, backbone):
        self.backbone = freeze(backbone).eval()
        self.encoder = Backbone().requires_grad_(False)


probe = Probe(Backbone())
print(np.linalg.norm(probe.backbone.proj.weight), np.median(probe.encoder.body[0].weight))
print(probe.backbone(torch.rand(2, 4)).numpy().shape)

# case: an-embedding-whose-only-parameter-is-frozen-gives-plain-outputs
import numpy as np
import torch
from torch import nn

vectors = torch.randn(10, 4)
table = nn.Embedding(*vectors.shape)
table.weight.data = vectors
table.weight.requires_grad = False
print(np.asarray(table(torch.tensor([1, 2])).mean(dim=0)))

# case: a-linear-layer-with-only-its-weight-frozen-still-trains-its-bias
import numpy as np
import torch
from torch import nn

layer = nn.Linear(4, 2)
layer.weight.requires_grad = False
print(np.asarray(layer(torch.randn(3, 4))))  # expect: DET102

# case: an-encoder-freezing-its-embedding-table-in-the-constructor
import numpy as np
import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self, vectors):
        super().__init__()
        self.table = nn.Embedding(*vectors.shape)
        self.table.weight.data = vectors
        self.table.weight.requires_grad = False

    def forward(self, ids):
        return self.table(ids).mean(dim=0)


encoder = Encoder(torch.randn(10, 3))
for ids in ([1, 2], [3]):
    print(np.round(encoder(torch.tensor(ids)), 2))

# case: a-pretrained-embedding-unfrozen-through-its-weight-in-a-helper
import torch
from torch import nn


def lookup(vectors, ids):
    table = nn.Embedding.from_pretrained(vectors)
    table.weight.requires_grad = True
    return table(ids).numpy()  # expect: DET101


print(lookup(torch.randn(5, 2), torch.tensor([0, 3])))

# case: a-file-with-its-own-autograd-engine-whose-backward-proves-nothing
import matplotlib.pyplot as plt


class Var:
    def __init__(self, value, parents=()):
        self.v = value
        self.parents = parents
        self.grad = 0.0

    def __add__(self, other):
        return Var(self.v + other.v, [(self, 1.0), (other, 1.0)])

    def __mul__(self, other):
        return Var(self.v * other.v, [(self, other.v), (other, self.v)])

    def backward(self, upstream=1.0):
        self.grad += upstream
        for parent, local in self.parents:
            parent.backward(local * upstream)


def squared_error(targets, outputs):
    total = Var(0.0)
    for t, y in zip(targets, outputs):
        diff = t + y * Var(-1.0)
        total += diff * diff
    return total


w = Var(0.5)
losses = []
for _ in range(3):
    loss = squared_error([Var(1.0), Var(2.0)], [w * Var(1.0), w * Var(2.0)])
    loss.backward()
    w = Var(w.v - 0.01 * w.grad)
    losses.append(loss.v)
plt.plot(losses)

# case: a-model-frozen-by-a-chained-requires-grad-after-eval
import numpy as np
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
model.eval().requires_grad_(False)
print(np.asarray(model(torch.randn(3, 4))))

# case: an-evaluator-freezing-its-model-with-a-chain-in-the-constructor-is-only-hinted
# (what its constructor did to the model it was handed is not known to the method: undecided)
import numpy as np
import torch
from torch import nn


class Sensitivity:
    def __init__(self, model):
        self.model = model
        self.model.train(False).requires_grad_(False)

    def __call__(self, x):
        base = self.model(x)
        return np.abs(np.asarray(self.model(x * 0.9) - base))  # expect: DET103


print(Sensitivity(nn.Linear(4, 1))(torch.randn(5, 4)).shape)

# case: a-chain-that-unfreezes-after-eval-still-trains
import numpy as np
import torch
from torch import nn

model = nn.Linear(4, 2)
model.requires_grad_(False)
model.eval().requires_grad_(True)
print(np.asarray(model(torch.randn(3, 4))))  # expect: DET102
