# Tensors met with NumPy arrays: arithmetic with the tensor on the left (torch leaves it to
# NumPy, which converts the tensor) and stores into slices of an array.  NumPy scalars
# (np.float32(0.5), arr.mean(), arr[0] of a vector) are no arrays: the result stays a tensor.

# case: model-output-minus-array-target-at-module-level
import numpy as np
import torch
from torch import nn

net = nn.Linear(3, 1)
target = np.array([[1.0], [2.0]], dtype=np.float32)
out = net(torch.rand(2, 3))
loss = ((out - target) ** 2).mean()  # expect: DET104

# case: array-target-stored-by-the-constructor-read-in-a-step
import numpy as np
import torch
from torch import nn


class Regressor:
    def __init__(self, targets):
        self.model = nn.Linear(4, 1)
        self.targets = np.asarray(targets, dtype=np.float32).reshape(-1, 1)

    def step(self, inputs):
        residual = self.model(inputs) - self.targets  # expect: DET104
        return float((residual ** 2).mean())


print(Regressor([0.5, 1.5, 2.5]).step(torch.rand(3, 4)))

# case: loss-helper-handed-an-array-target
import numpy as np
import torch
from torch import nn


def mse(prediction, target):
    return ((prediction - target) ** 2).mean()


def train(x, y, steps):
    model = nn.Linear(2, 1)
    history = []
    for step in range(steps):
        loss = mse(model(x), y)  # expect: DET104
        history.append(float(loss))
    return history


train(torch.rand(4, 2), np.ones((4, 1), dtype=np.float32), 3)

# case: labels-made-arrays-with-numpy-in-a-loop
import torch
from torch import nn

model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
errors = []
for step in range(3):
    x, y = torch.rand(5, 2), torch.rand(5, 1)
    y_host = y.numpy()
    errors.append((model(x) - y_host).abs().mean())  # expect: DET104

# case: in-place-arithmetic-with-an-array
import numpy as np
import torch
from torch import nn

net = nn.Linear(3, 2)
scores = net(torch.rand(4, 3))
scores *= np.ones((4, 2), dtype=np.float32)  # expect: DET104

# case: normalised-array-is-still-an-array
import numpy as np
import torch
from torch import nn


def fit(model, data, labels):
    centred = (labels - labels.mean()) / labels.std()
    return model(data) - centred[:, None]


fit(nn.Linear(3, 1), torch.rand(4, 3), np.arange(4, dtype=np.float32))  # expect: DET104

# case: numpy-scalars-are-no-arrays
import numpy as np
import torch
from torch import nn

net = nn.Linear(3, 1)
target = np.array([1.0, 2.0], dtype=np.float32)
out = net(torch.rand(2, 3))
scaled = out * np.float32(0.5) - target.mean() + target[0] * out
total = out.sum() * np.sum(target)
loss_host = out.sum().detach().numpy()
shifted = out - loss_host * 2
(scaled.sum() + total + shifted.sum()).backward()

# case: array-arithmetic-without-grad-or-detached
import numpy as np
import torch
from torch import nn

net = nn.Linear(3, 1)
target = np.ones((2, 1), dtype=np.float32)
x = torch.rand(2, 3)
with torch.no_grad():
    error = net(x) - target
detached_error = net(x).detach() - target
plain = torch.rand(2, 1) - target
converted = net(x) - torch.as_tensor(target)
print(error.shape, detached_error.shape, plain.shape, converted.shape)

# case: predictions-stored-into-a-slice-of-an-array
import numpy as np
import torch
from torch import nn


class Evaluator:
    def __init__(self, model, size):
        self.model = model
        self.predictions = np.zeros((size, 1))

    def run(self, batches):
        start = 0
        for batch in batches:
            out = self.model(batch)
            self.predictions[start:start + len(batch)] = out  # expect: DET102
            start += len(batch)
        return self.predictions


Evaluator(nn.Linear(2, 1), 6).run([torch.rand(3, 2), torch.rand(3, 2)])

# case: a-loss-stored-by-index-is-a-float
import numpy as np
import torch
from torch import nn

net = nn.Linear(2, 1)
losses = np.zeros(3)
predictions = np.zeros((3, 4))
for epoch in range(3):
    out = net(torch.rand(4, 2))
    loss = out.pow(2).mean()
    losses[epoch] = loss
    with torch.no_grad():
        predictions[epoch, :] = net(torch.rand(4, 2)).squeeze(1)
    predictions[epoch, :] = out.detach().squeeze(1)
print(losses, predictions.sum())

# case: random-labels-drawn-with-a-size-are-an-array
import numpy as np
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
features = np.random.rand(32, 4).astype(np.float32)
labels = np.random.rand(32, 1).astype(np.float32)
history = []
for epoch in range(3):
    pred = model(torch.from_numpy(features))
    loss = ((pred - labels) ** 2).mean()  # expect: DET104
    history.append(float(loss))

# case: noise-drawn-by-the-constructor-added-in-forward
import numpy as np
import torch
from torch import nn


class NoisyHead(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.noise = np.random.normal(0.0, 0.1, size=(1, width))

    def forward(self, x):
        return self.linear(x) + self.noise  # expect: DET104


NoisyHead(3)(torch.rand(2, 3))

# case: random-draws-without-a-size-are-numbers
import numpy as np
import torch
from torch import nn

net = nn.Linear(3, 1)
out = net(torch.rand(2, 3))
jittered = out * np.random.rand() + np.random.normal(0.0, 0.1) - np.random.randint(0, 3)
picked = out * np.random.choice(5) + np.random.uniform(0.0, 1.0)
(jittered.sum() + picked.sum()).backward()
