# matplotlib, pandas and scikit-learn receiving tensors (the harness selects the Agg backend).

# case: plt-plot-loss-list
import matplotlib.pyplot as plt
import torch

w = torch.rand(3, requires_grad=True)
losses = []
for step in range(4):
    losses.append(((w - step) ** 2).mean())
plt.plot(losses)  # expect: DET102

# case: plt-plot-loss-items
import matplotlib.pyplot as plt
import torch

w = torch.rand(3, requires_grad=True)
losses = []
for step in range(4):
    losses.append(((w - step) ** 2).mean().item())
plt.plot(losses)

# case: plt-plot-x-and-loss-list
import matplotlib.pyplot as plt
import torch

w = torch.rand(3, requires_grad=True)
steps = list(range(4))
losses = [((w - step) ** 2).mean() for step in steps]
plt.plot(steps, losses, label="loss")  # expect: DET102

# case: plt-semilogy
import matplotlib.pyplot as plt
import torch

w = torch.rand(3, requires_grad=True)
losses = [((w - step) ** 2).mean() + 1 for step in range(4)]
plt.semilogy(losses)  # expect: DET102

# case: plt-scatter-model-output
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

model = nn.Linear(1, 1)
x = torch.linspace(0, 1, 10).unsqueeze(1)
plt.scatter(x, model(x))  # expect: DET102

# case: plt-scatter-model-output-detached
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

model = nn.Linear(1, 1)
x = torch.linspace(0, 1, 10).unsqueeze(1)
plt.scatter(x, model(x).detach())
plt.plot(x.numpy(), model(x).detach().numpy())

# case: plt-scatter-under-no-grad
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

model = nn.Linear(1, 1)
x = torch.linspace(0, 1, 10).unsqueeze(1)
with torch.no_grad():
    y = model(x)
plt.scatter(x, y)

# case: plt-imshow-weight
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

layer = nn.Linear(4, 4)
plt.imshow(layer.weight)  # expect: DET102

# case: plt-imshow-weight-data
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

layer = nn.Linear(4, 4)
plt.imshow(layer.weight.data, cmap="gray")

# case: plt-hist-of-parameter
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

layer = nn.Linear(8, 8)
plt.hist(layer.weight.view(-1), bins=10)  # expect: DET102

# case: plt-bar-of-probabilities
import matplotlib.pyplot as plt
import torch

w = torch.randn(4, requires_grad=True)
probs = torch.softmax(w, dim=0)
plt.bar(range(4), probs)  # expect: DET102

# case: plt-bar-of-predicted-classes
import matplotlib.pyplot as plt
import torch

w = torch.randn(6, 4, requires_grad=True)
counts = torch.bincount(torch.softmax(w, dim=1).argmax(dim=1), minlength=4)
plt.bar(range(4), counts)

# case: plt-errorbar
import matplotlib.pyplot as plt
import torch

w = torch.randn(5, requires_grad=True)
plt.errorbar(range(5), w * 2, yerr=0.1)  # expect: DET102

# case: axes-plot-from-subplots
import matplotlib.pyplot as plt
import torch

w = torch.randn(5, requires_grad=True)
fig, ax = plt.subplots()
ax.plot(w.cumsum(0))  # expect: DET102

# case: axes-array-from-subplots
import matplotlib.pyplot as plt
import torch

w = torch.randn(5, requires_grad=True)
fig, axes = plt.subplots(1, 2)
axes[0].plot((w * 2).detach())
axes[1].imshow((w * w.unsqueeze(1)).detach())

# case: axes-from-add-subplot
import matplotlib.pyplot as plt
import torch

w = torch.randn(5, requires_grad=True)
fig = plt.figure()
ax = fig.add_subplot(1, 1, 1)
ax.scatter(w, w ** 2)  # expect: DET102

# case: axes-imshow-attention-map
import matplotlib.pyplot as plt
import torch

q = torch.randn(3, 4, requires_grad=True)
attention = torch.softmax(q @ q.T, dim=-1)
fig, ax = plt.subplots()
ax.imshow(attention)  # expect: DET102

# case: title-and-text-format-the-loss
import matplotlib.pyplot as plt
import torch

w = torch.randn(5, requires_grad=True)
loss = (w ** 2).mean()
plt.title(f"loss {loss:.3f}")
plt.text(0.5, 0.5, str(loss))
plt.xlabel("step")

# case: dataframe-of-output-tensor
import pandas as pd
import torch
import torch.nn as nn

model = nn.Linear(3, 2)
frame = pd.DataFrame(model(torch.randn(4, 3)), columns=["a", "b"])  # expect: DET102

# case: dataframe-of-output-detached
import pandas as pd
import torch
import torch.nn as nn

model = nn.Linear(3, 2)
frame = pd.DataFrame(model(torch.randn(4, 3)).detach().numpy(), columns=["a", "b"])

# case: series-of-parameter
import pandas as pd
import torch
import torch.nn as nn

layer = nn.Linear(3, 1)
weights = pd.Series(layer.weight.view(-1))  # expect: DET102

# case: dataframe-dict-column-tensor
import pandas as pd
import torch

w = torch.randn(4, requires_grad=True)
frame = pd.DataFrame({"score": torch.sigmoid(w), "id": [1, 2, 3, 4]})  # expect: DET102

# case: dataframe-column-assignment
import pandas as pd
import torch

w = torch.randn(4, requires_grad=True)
frame = pd.DataFrame({"id": [1, 2, 3, 4]})
frame["score"] = torch.sigmoid(w)  # expect: DET102

# case: dataframe-of-loss-list-stores-objects
# pandas keeps a list of 0-d tensors as an object column without converting them.
import pandas as pd
import torch

w = torch.randn(4, requires_grad=True)
losses = [(w * step).sum() for step in range(3)]
frame = pd.DataFrame({"loss": losses})
series = pd.Series(losses)
print(len(frame), len(series))

# case: sklearn-accuracy-of-argmax
import torch
import torch.nn as nn
from sklearn.metrics import accuracy_score

model = nn.Linear(3, 2)
labels = torch.tensor([0, 1, 1, 0])
pred = model(torch.randn(4, 3)).argmax(dim=1)
print(accuracy_score(labels, pred))

# case: sklearn-roc-auc-of-probabilities
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score

model = nn.Linear(3, 1)
labels = torch.tensor([0, 1, 1, 0])
probs = torch.sigmoid(model(torch.randn(4, 3))).squeeze(1)
print(roc_auc_score(labels, probs))  # expect: DET102

# case: sklearn-roc-auc-of-detached-probabilities
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score

model = nn.Linear(3, 1)
labels = torch.tensor([0, 1, 1, 0])
probs = torch.sigmoid(model(torch.randn(4, 3))).squeeze(1).detach()
print(roc_auc_score(labels, probs))

# case: sklearn-mse-module-import
import sklearn.metrics
import torch
import torch.nn as nn

model = nn.Linear(3, 1)
target = torch.randn(4, 1)
print(sklearn.metrics.mean_squared_error(target, model(torch.randn(4, 3))))  # expect: DET102

# case: sklearn-f1-of-rounded-probabilities
import torch
import torch.nn as nn
from sklearn.metrics import f1_score

model = nn.Linear(3, 1)
labels = torch.tensor([0, 1, 1, 0])
pred = torch.sigmoid(model(torch.randn(4, 3))).squeeze(1).round()
print(f1_score(labels, pred))  # expect: DET102

# case: sklearn-f1-of-thresholded-probabilities
import torch
import torch.nn as nn
from sklearn.metrics import f1_score

model = nn.Linear(3, 1)
labels = torch.tensor([0, 1, 1, 0])
pred = (torch.sigmoid(model(torch.randn(4, 3))).squeeze(1) > 0.5).long()
print(f1_score(labels, pred, zero_division=0))

# case: sklearn-confusion-matrix-under-no-grad
import torch
import torch.nn as nn
from sklearn.metrics import confusion_matrix, r2_score

model = nn.Linear(3, 2)
x = torch.randn(6, 3)
labels = torch.tensor([0, 1, 1, 0, 1, 0])
with torch.no_grad():
    out = model(x)
print(confusion_matrix(labels, out.argmax(dim=1)))
print(r2_score(out[:, 0], out[:, 1]))

# case: plt-bar-of-bias
import matplotlib.pyplot as plt
import torch.nn as nn

layer = nn.Linear(3, 4)
plt.bar(range(4), layer.bias)  # expect: DET102

# case: plt-bar-of-bias-under-no-grad
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

layer = nn.Linear(3, 4)
with torch.no_grad():
    plt.bar(range(4), layer.bias)

# case: plotting-helper-converts-known-tensor
import matplotlib.pyplot as plt
import torch


def show_image(img):
    plt.imshow(torch.clamp(img, 0, 1).permute(1, 2, 0))  # expect: DET103
    plt.axis("off")


show_image(torch.rand(3, 4, 4))

# case: sklearn-estimator-fit-on-model-output
# An estimator's fit, predict or transform turns its input into an array.
import torch
import torch.nn as nn
from sklearn.mixture import GaussianMixture

model = nn.Linear(6, 1)
scores = torch.sigmoid(model(torch.randn(40, 6)))
gmm = GaussianMixture(n_components=2, random_state=0).fit(scores)  # expect: DET102

# case: tsne-of-embeddings-built-in-a-loop-by-a-method
import numpy as np
import torch
import torch.nn as nn
from sklearn.manifold import TSNE


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(8, 4)

    def embed_all(self, batches):
        return torch.cat([self.embed(batch) for batch in batches])


encoder = Encoder()
embeddings = encoder.embed_all([torch.randn(10, 8) for _ in range(3)])
points = TSNE(n_components=2, perplexity=5).fit_transform(embeddings)  # expect: DET102
print(np.round(points[:2], 2))

# case: estimator-kept-in-an-attribute-fitted-by-another-method
import torch
import torch.nn as nn
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression


class Probe:
    def __init__(self, backbone):
        self.backbone = backbone
        self.reduce = PCA(n_components=2)
        self.classifier = LogisticRegression()

    def fit(self, x, y):
        features = self.backbone(x)
        reduced = self.reduce.fit_transform(features)  # expect: DET102
        self.classifier.fit(reduced, y)


probe = Probe(nn.Linear(5, 3))
probe.fit(torch.randn(30, 5), torch.randint(0, 2, (30,)))

# case: estimator-given-detached-features-and-arrays
import numpy as np
import torch
import torch.nn as nn
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

model = nn.Linear(3, 2)
features = model(torch.randn(20, 3))
scaled = StandardScaler().fit_transform(features.detach())
labels = KMeans(n_clusters=2, n_init=1).fit_predict(np.asarray(scaled))
with torch.no_grad():
    centres = KMeans(n_clusters=2, n_init=1).fit(model(torch.randn(20, 3))).cluster_centers_
print(labels[:3], centres.shape)

# case: axes-handed-to-a-drawing-helper
# An object whose methods convert (matplotlib's axes, a figure) handed to a function: the
# function converts what it draws with it.
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

model = nn.Linear(3, 2)


def draw(ax, values):
    ax.plot(values)
    ax.set_title("outputs")


fig, ax = plt.subplots()
draw(ax, model(torch.randn(4, 3)).detach())
draw(ax, model(torch.randn(4, 3)))  # expect: DET102

# case: axes-of-a-grid-drawn-by-a-method-from-its-history
import matplotlib.pyplot as plt
import torch
import torch.nn as nn


class LivePlot:
    def __init__(self):
        self.history = []

    def update(self, loss):
        self.history.append(loss)

    def _draw(self, ax, name):
        ax.plot(self.history, label=name)  # expect: DET102

    def show(self):
        fig, axes = plt.subplots(1, 2)
        self._draw(axes[0], "loss")


model = nn.Linear(3, 1)
plot = LivePlot()
for step in range(3):
    plot.update(model(torch.randn(2, 3)).mean())
plot.show()

# case: figure-helper-draws-a-model-output-it-computes
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

net = nn.Linear(2, 2)


def show_weights(figure):
    axis = figure.add_subplot(1, 1, 1)
    axis.imshow(net.weight)  # expect: DET102


show_weights(plt.figure())

# case: scipy-minimize-converts-what-the-objective-returns
# A solver calls the function it is given and makes an array of what it returns.
import numpy as np
import scipy.optimize
import torch

target = torch.rand(3, requires_grad=True)


def objective(x):
    return ((torch.as_tensor(x) - target) ** 2).sum()


def objective_value(x):
    return objective(x).item()


scipy.optimize.minimize(objective_value, np.zeros(3))
result = scipy.optimize.minimize(objective, np.zeros(3))  # expect: DET102

# case: method-minimises-a-closure-returning-loss-and-gradient
import numpy as np
import scipy.optimize
import torch
import torch.nn as nn


class Fitter:
    def __init__(self):
        self.model = nn.Linear(3, 1)
        self.data = torch.rand(8, 3)

    def fit(self):
        def loss_and_grad(flat):
            point = torch.tensor(flat, dtype=torch.float32, requires_grad=True)
            loss = (self.model(self.data) - point.sum()).pow(2).mean()
            loss.backward()
            return loss, point.grad.numpy().astype(np.float64)

        return scipy.optimize.minimize(loss_and_grad, np.zeros(2), jac=True, method="L-BFGS-B")  # expect: DET102


Fitter().fit()

# case: ode-right-hand-side-computed-by-a-network
import numpy as np
import torch
import torch.nn as nn
from scipy.integrate import solve_ivp

field = nn.Linear(2, 2)


def rhs(t, y):
    return field(torch.as_tensor(y, dtype=torch.float32))


def rhs_values(t, y):
    with torch.no_grad():
        return field(torch.as_tensor(y, dtype=torch.float32)).numpy()


solve_ivp(rhs_values, (0.0, 1.0), np.ones(2))
solution = solve_ivp(rhs, (0.0, 1.0), np.ones(2))  # expect: DET102

# case: plotting-method-held-by-partial
# functools.partial of an Axes method: calling it plots, and converts, what it is given.
from functools import partial

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

points = torch.randn(5, 2, requires_grad=True) * 2
fig, ax = plt.subplots()
draw = partial(ax.scatter, s=3, alpha=0.5)
draw(points[:, 0].detach(), points[:, 1])  # expect: DET102

# case: plotting-method-held-as-a-bound-method
# ax.plot kept in a variable, called in a loop.
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

model = torch.nn.Linear(3, 1)
fig, ax = plt.subplots()
plot = ax.plot
for _ in range(2):
    plot(model(torch.randn(4, 3)).squeeze(-1))  # expect: DET102

# case: plotting-partial-made-in-a-helper
# The helper binds its Axes' scatter and calls it on the embedding it is handed.
from functools import partial

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch


def scatter_embedding(ax, emb):
    draw = partial(ax.scatter, s=8)
    draw(emb[:, 0], emb[:, 1])


fig, ax = plt.subplots()
scatter_embedding(ax, torch.nn.Linear(4, 2)(torch.randn(6, 4)))  # expect: DET102

# case: plotting-partial-given-detached-values
# The same helper handed a detached embedding.
from functools import partial

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch


def scatter_embedding(ax, emb):
    draw = partial(ax.scatter, s=8)
    draw(emb[:, 0], emb[:, 1])


fig, ax = plt.subplots()
scatter_embedding(ax, torch.nn.Linear(4, 2)(torch.randn(6, 4)).detach())

# case: tensors-formatted-into-titles-and-labels-stay-clean
# "..." % t and "..." + str(t) make a str: the plotting call gets text, not the tensor.
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

model = torch.nn.Linear(3, 1)
loss = model(torch.randn(4, 3)).pow(2).mean()
fig, ax = plt.subplots()
ax.set_title("loss %.3f" % loss)
fig.suptitle("weights %s" % (model.weight,))
plt.xlabel("bias " + str(model.bias))

# case: rectangle-of-a-predicted-box-added-to-the-axes
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle
import torch

head = torch.nn.Linear(8, 4)
box = head(torch.randn(8))
fig, ax = plt.subplots()
rect = Rectangle((box[0], box[1]), box[2] - box[0], box[3] - box[1], fill=False)
ax.add_patch(rect)  # expect: DET102

# case: circle-drawn-by-a-method-with-a-predicted-radius
import matplotlib
matplotlib.use("Agg")
import matplotlib.patches as patches
import matplotlib.pyplot as plt
import torch


class Drawer:
    def __init__(self):
        self.fig, self.ax = plt.subplots()

    def circle(self, center, radius):
        self.ax.add_patch(patches.Circle((center[0], center[1]), radius))


net = torch.nn.Linear(2, 3)
out = net(torch.randn(2))
Drawer().circle(out[:2].detach(), out[2])  # expect: DET102

# case: circle-of-a-model-output-added-in-one-line
import matplotlib
matplotlib.use("Agg")
import matplotlib.patches as patches
import matplotlib.pyplot as plt
import torch

net = torch.nn.Linear(2, 3)
out = net(torch.randn(2))
fig, ax = plt.subplots()
ax.add_patch(patches.Circle((0.0, 0.0), out[2]))  # expect: DET102

# case: polygon-of-detached-corners-stays-clean
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Polygon
import torch

net = torch.nn.Linear(4, 6)
fig, ax = plt.subplots()
for _ in range(2):
    corners = net(torch.randn(4)).view(3, 2)
    triangle = Polygon(corners.detach().numpy(), closed=True)
    ax.add_patch(triangle)

# case: a-scipy-sparse-adjacency-times-a-model-output
import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

adjacency = sp.csr_matrix(np.eye(4) + np.eye(4, k=1))
encoder = nn.Linear(3, 2)
h = encoder(torch.randn(4, 3))
smoothed = adjacency @ h  # expect: DET102

# case: a-helper-multiplying-its-sparse-weights-by-standardized-targets
import numpy as np
import scipy.sparse as sp
import torch
from torch import nn


def local_moran(y, weights):
    z = (y - y.mean()) / y.std()
    return z * (weights * z)


scaler = nn.Linear(1, 1)
targets = scaler(torch.randn(5, 1))
print(local_moran(targets, sp.identity(5, format="csr")))  # expect: DET102

# case: a-layer-holding-a-sparse-graph-propagates-detached-features-stays-clean
import numpy as np
import scipy.sparse as sp
import torch
from torch import nn


class Propagate:
    def __init__(self, edges, n):
        self.graph = sp.coo_matrix((np.ones(len(edges)), tuple(zip(*edges))), shape=(n, n)).tocsr()

    def smooth(self, features):
        return self.graph.dot(features.detach().numpy())


layer = nn.Linear(2, 2)
print(Propagate([(0, 1), (1, 2)], 3).smooth(layer(torch.randn(3, 2))))

# case: a-colormap-called-on-a-saliency-map
import matplotlib.pyplot as plt
import torch
from torch import nn

model = nn.Linear(16, 16)
saliency = torch.sigmoid(model(torch.randn(16))).view(4, 4)
rgba = plt.get_cmap("jet")(saliency)  # expect: DET102

# case: a-helper-coloring-what-it-is-given-with-a-named-colormap
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn


def overlay(image, heat, cmap="viridis"):
    colored = plt.get_cmap(cmap)(heat)[..., :3]
    return 0.5 * np.repeat(image[..., None], 3, axis=-1) + 0.5 * colored


net = nn.Conv2d(1, 1, 3, padding=1)
img = torch.rand(1, 1, 8, 8)
print(overlay(img[0, 0].numpy(), net(img)[0, 0]).shape)  # expect: DET102

# case: a-colormap-called-on-a-detached-map-stays-clean
import matplotlib.pyplot as plt
import torch
from torch import nn

model = nn.Linear(16, 16)
saliency = torch.sigmoid(model(torch.randn(16))).view(4, 4)
rgba = plt.get_cmap("jet")(saliency.detach())
