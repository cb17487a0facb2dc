# Longer programs in the shape of real training, evaluation and plotting scripts: many safe
# conversions, at most one that raises.

# case: train-and-plot-loss-curve-bug
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
x = torch.linspace(-1, 1, 32).unsqueeze(1)
y = 3 * x + 0.5 + 0.1 * torch.randn_like(x)

model = nn.Linear(1, 1)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

losses = []
for epoch in range(20):
    optimizer.zero_grad()
    pred = model(x)
    loss = criterion(pred, y)
    loss.backward()
    optimizer.step()
    losses.append(loss)
    if epoch % 5 == 0:
        print(f"epoch {epoch}: {loss.item():.4f}")

print("weight", model.weight.detach().numpy().ravel(), "bias", model.bias.item())
fig, (ax_loss, ax_fit) = plt.subplots(1, 2)
ax_loss.plot(np.arange(len(losses)), losses)  # expect: DET102
ax_loss.set_xlabel("epoch")
with torch.no_grad():
    fitted = model(x)
ax_fit.scatter(x.numpy(), y.numpy(), s=4)
ax_fit.plot(x.numpy(), fitted.numpy(), color="red")
plt.close(fig)

# case: train-and-plot-loss-curve-fixed
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
x = torch.linspace(-1, 1, 32).unsqueeze(1)
y = 3 * x + 0.5 + 0.1 * torch.randn_like(x)

model = nn.Linear(1, 1)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

losses = []
for epoch in range(20):
    optimizer.zero_grad()
    pred = model(x)
    loss = criterion(pred, y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if epoch % 5 == 0:
        print(f"epoch {epoch}: {loss.item():.4f}")

print("weight", model.weight.detach().numpy().ravel(), "bias", model.bias.item())
fig, (ax_loss, ax_fit) = plt.subplots(1, 2)
ax_loss.plot(np.arange(len(losses)), losses)
ax_loss.set_xlabel("epoch")
with torch.no_grad():
    fitted = model(x)
ax_fit.scatter(x.numpy(), y.numpy(), s=4)
ax_fit.plot(x.numpy(), fitted.numpy(), color="red")
plt.close(fig)

# case: classifier-evaluation-fixed
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import accuracy_score, confusion_matrix, roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
features = torch.randn(64, 5)
labels = (features[:, 0] > 0).long()
loader = DataLoader(TensorDataset(features, labels), batch_size=16)

model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))
model.eval()

all_preds, all_probs, all_labels = [], [], []
with torch.no_grad():
    for xb, yb in loader:
        logits = model(xb)
        probs = torch.softmax(logits, dim=1)[:, 1]
        all_preds.append(logits.argmax(dim=1).cpu().numpy())
        all_probs.append(probs.cpu().numpy())
        all_labels.append(yb.numpy())

preds = np.concatenate(all_preds)
probs = np.concatenate(all_probs)
truth = np.concatenate(all_labels)
print("accuracy", accuracy_score(truth, preds))
print("auc", roc_auc_score(truth, probs))
print(confusion_matrix(truth, preds))

# case: classifier-evaluation-probabilities-outside-no-grad
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import accuracy_score, roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
features = torch.randn(64, 5)
labels = (features[:, 0] > 0).long()
loader = DataLoader(TensorDataset(features, labels), batch_size=16)

model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))
model.eval()

all_preds, all_labels = [], []
with torch.no_grad():
    for xb, yb in loader:
        all_preds.append(model(xb).argmax(dim=1).numpy())
        all_labels.append(yb.numpy())
preds = np.concatenate(all_preds)
truth = np.concatenate(all_labels)
print("accuracy", accuracy_score(truth, preds))

scores = torch.softmax(model(features), dim=1)[:, 1]
hard = scores.gt(0.5).long()
print("positive rate", hard.float().mean().item(), np.bincount(hard.numpy()))
print("auc", roc_auc_score(labels.numpy(), scores))  # expect: DET102

# case: embedding-pca-bug
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
vocab = ["the", "cat", "sat", "on", "mat", "dog"]
embedding = nn.Embedding(len(vocab), 8)
ids = torch.tensor([0, 1, 2, 3, 4, 5])
vectors = embedding(ids)
norms = vectors.norm(dim=1)
print("mean norm", norms.mean().item())

centered = vectors - vectors.mean(dim=0, keepdim=True)
u, s, vt = np.linalg.svd(centered, full_matrices=False)  # expect: DET102
coords = u[:, :2] * s[:2]
fig, ax = plt.subplots()
ax.scatter(coords[:, 0], coords[:, 1])
for word, (cx, cy) in zip(vocab, coords):
    ax.annotate(word, (cx, cy))
plt.close(fig)

# case: embedding-pca-fixed
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
vocab = ["the", "cat", "sat", "on", "mat", "dog"]
embedding = nn.Embedding(len(vocab), 8)
ids = torch.tensor([0, 1, 2, 3, 4, 5])
vectors = embedding(ids).detach()
norms = vectors.norm(dim=1)
print("mean norm", norms.mean().item())

centered = vectors - vectors.mean(dim=0, keepdim=True)
u, s, vt = np.linalg.svd(centered.numpy(), full_matrices=False)
coords = u[:, :2] * s[:2]
fig, ax = plt.subplots()
ax.scatter(coords[:, 0], coords[:, 1])
for word, (cx, cy) in zip(vocab, coords):
    ax.annotate(word, (cx, cy))
ax.hist(embedding.weight.data.view(-1).numpy(), bins=10)
plt.close(fig)

# case: metrics-tracker-stores-items
import numpy as np
import torch
import torch.nn as nn


class MetricTracker:
    def __init__(self):
        self.values = {}

    def update(self, name, value):
        self.values.setdefault(name, []).append(value)

    def summary(self):
        return {name: float(np.mean(vals)) for name, vals in self.values.items()}


torch.manual_seed(0)
model = nn.Linear(4, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
tracker = MetricTracker()
for step in range(5):
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    out = model(x)
    loss = nn.functional.mse_loss(out, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    tracker.update("loss", loss.item())
    tracker.update("mae", (out - y).abs().mean().item())
    tracker.update("grad_norm", model.weight.grad.norm().item())
print(tracker.summary())

# case: metrics-tracker-stores-tensors
import numpy as np
import torch
import torch.nn as nn


class MetricTracker:
    def __init__(self):
        self.values = {}

    def update(self, name, value):
        self.values.setdefault(name, []).append(value)

    def summary(self):
        return {name: float(np.mean(vals)) for name, vals in self.values.items()}  # expect: DET102


torch.manual_seed(0)
model = nn.Linear(4, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
tracker = MetricTracker()
for step in range(5):
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    out = model(x)
    loss = nn.functional.mse_loss(out, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    tracker.update("loss", loss)
    tracker.update("grad_norm", model.weight.grad.norm().item())
print(tracker.summary())

# case: export-weights-bug
import io

import numpy as np
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
model.eval()
state = {name: tensor.cpu().numpy() for name, tensor in model.state_dict().items()}
buffer = io.BytesIO()
np.savez(buffer, **state)
print(sorted(state), buffer.getbuffer().nbytes > 0)

sample = torch.randn(1, 4)
reference = model(sample)
print("reference output", reference.detach().numpy())
grads = {name: p.cpu().numpy() for name, p in model.named_parameters()}  # expect: DET101
print(len(grads))

# case: export-weights-fixed
import io

import numpy as np
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
model.eval()
state = {name: tensor.cpu().numpy() for name, tensor in model.state_dict().items()}
buffer = io.BytesIO()
np.savez(buffer, **state)
print(sorted(state), buffer.getbuffer().nbytes > 0)

sample = torch.randn(1, 4)
with torch.inference_mode():
    reference = model(sample)
print("reference output", reference.numpy())
params = {name: p.detach().cpu().numpy() for name, p in model.named_parameters()}
print(len(params))

# case: attention-map-plot
import matplotlib.pyplot as plt
import torch
import torch.nn as nn


class TinyAttention(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)

    def forward(self, x):
        scores = self.q(x) @ self.k(x).transpose(-1, -2)
        return torch.softmax(scores / x.shape[-1] ** 0.5, dim=-1)


torch.manual_seed(0)
attn_layer = TinyAttention(8)
tokens = torch.randn(1, 5, 8)
attn = attn_layer(tokens)
print("row sums", attn.sum(-1).detach().numpy())
strongest = attn[0].argmax(dim=-1).numpy()
print("strongest", strongest)

fig, ax = plt.subplots()
ax.imshow(attn[0], cmap="viridis")  # expect: DET102
ax.set_title("attention")
plt.close(fig)

# case: attention-map-plot-no-grad
import matplotlib.pyplot as plt
import torch
import torch.nn as nn


class TinyAttention(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)

    def forward(self, x):
        scores = self.q(x) @ self.k(x).transpose(-1, -2)
        return torch.softmax(scores / x.shape[-1] ** 0.5, dim=-1)


torch.manual_seed(0)
attn_layer = TinyAttention(8)
tokens = torch.randn(1, 5, 8)
with torch.no_grad():
    attn = attn_layer(tokens)
print("row sums", attn.sum(-1).numpy())
strongest = attn[0].argmax(dim=-1).numpy()
print("strongest", strongest)

fig, ax = plt.subplots()
ax.imshow(attn[0], cmap="viridis")
ax.set_title("attention")
plt.close(fig)

# case: train-val-phases-tutorial-style
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
data = {phase: (torch.randn(32, 6), torch.randint(0, 3, (32,))) for phase in ["train", "val"]}
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
history = {"train": [], "val": []}
accuracy = {"train": [], "val": []}

for epoch in range(3):
    for phase in ["train", "val"]:
        model.train(phase == "train")
        inputs, targets = data[phase]
        running_loss, running_corrects = 0.0, 0
        for start in range(0, 32, 8):
            xb, yb = inputs[start:start + 8], targets[start:start + 8]
            optimizer.zero_grad()
            with torch.set_grad_enabled(phase == "train"):
                outputs = model(xb)
                _, preds = torch.max(outputs, 1)
                loss = criterion(outputs, yb)
                if phase == "train":
                    loss.backward()
                    optimizer.step()
            running_loss += loss.item() * xb.size(0)
            running_corrects += torch.sum(preds == yb)
        history[phase].append(running_loss / 32)
        accuracy[phase].append(running_corrects.double() / 32)

fig, ax = plt.subplots()
for phase in ["train", "val"]:
    ax.plot(np.arange(3), history[phase], label=f"{phase} loss")
    ax.plot(np.arange(3), accuracy[phase], label=f"{phase} acc")
plt.close(fig)

# case: train-val-phases-running-loss-tensor
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
data = {phase: (torch.randn(32, 6), torch.randint(0, 3, (32,))) for phase in ["train", "val"]}
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
history = {"train": [], "val": []}

for epoch in range(3):
    for phase in ["train", "val"]:
        model.train(phase == "train")
        inputs, targets = data[phase]
        running_loss = 0.0
        for start in range(0, 32, 8):
            xb, yb = inputs[start:start + 8], targets[start:start + 8]
            optimizer.zero_grad()
            with torch.set_grad_enabled(phase == "train"):
                outputs = model(xb)
                loss = criterion(outputs, yb)
                if phase == "train":
                    loss.backward()
                    optimizer.step()
            running_loss += loss * xb.size(0)
        history[phase].append(running_loss / 32)

fig, ax = plt.subplots()
ax.plot(np.arange(3), history["val"], label="val loss")
ax.plot(np.arange(3), history["train"], label="train loss")  # expect: DET102
plt.close(fig)

# case: notebook-cells-predictions-table
import numpy as np
import pandas as pd
import torch
import torch.nn as nn

# [cell 1] data and model
torch.manual_seed(0)
x_train, y_train = torch.randn(40, 3), torch.randn(40, 1)
x_test = torch.randn(6, 3)
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)

# [cell 2] training
for _ in range(10):
    opt.zero_grad()
    loss = ((model(x_train) - y_train) ** 2).mean()
    loss.backward()
    opt.step()
print("final loss", float(loss))

# [cell 3] predictions
model.eval()
pred = model(x_test)
table = pd.DataFrame({"x0": x_test[:, 0].numpy(), "pred": pred.squeeze(1).numpy()})  # expect: DET101
print(table.describe())

# case: notebook-cells-predictions-table-fixed
import numpy as np
import pandas as pd
import torch
import torch.nn as nn

# [cell 1] data and model
torch.manual_seed(0)
x_train, y_train = torch.randn(40, 3), torch.randn(40, 1)
x_test = torch.randn(6, 3)
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)

# [cell 2] training
for _ in range(10):
    opt.zero_grad()
    loss = ((model(x_train) - y_train) ** 2).mean()
    loss.backward()
    opt.step()
print("final loss", float(loss))

# [cell 3] predictions
model.eval()
with torch.no_grad():
    pred = model(x_test)
table = pd.DataFrame({"x0": x_test[:, 0].numpy(), "pred": pred.squeeze(1).numpy()})
print(table.describe(), np.round(table.values, 2).shape)

# case: seq2seq-greedy-decoding-evaluation
import numpy as np
import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, vocab)

    def forward(self, tokens, hidden=None):
        output, hidden = self.rnn(self.embed(tokens), hidden)
        return self.out(output), hidden

    def greedy_decode(self, start, steps):
        tokens, hidden, result = start, None, []
        for _ in range(steps):
            logits, hidden = self(tokens, hidden)
            tokens = logits[:, -1:].argmax(dim=-1)
            result.append(tokens)
        return torch.cat(result, dim=1)


torch.manual_seed(0)
decoder = Decoder(vocab=12, dim=8)
start = torch.zeros(3, 1, dtype=torch.long)
generated = decoder.greedy_decode(start, steps=5)
reference = np.random.default_rng(0).integers(0, 12, size=(3, 5))
token_accuracy = (generated.numpy() == reference).mean()
lengths = np.argmax(generated.cpu().numpy() == 0, axis=1)
logits, _ = decoder(generated)
print(token_accuracy, lengths, logits.argmax(dim=-1).numpy().shape)
print("perplexity proxy", np.exp(logits.logsumexp(-1).mean().item()))

# case: vae-sampling-grid
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(16, 4)
        self.dec = nn.Linear(2, 16)

    def encode(self, x):
        h = self.enc(x)
        return h[:, :2], h[:, 2:]

    def decode(self, z):
        return torch.sigmoid(self.dec(z))


torch.manual_seed(0)
vae = VAE()
x = torch.rand(8, 16)
mu, logvar = vae.encode(x)
kl = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp())
print("kl", kl.item(), "mu mean", mu.mean().item())
with torch.no_grad():
    grid = torch.stack(torch.meshgrid(torch.linspace(-1, 1, 3), torch.linspace(-1, 1, 3), indexing="ij"), -1)
    images = vae.decode(grid.view(-1, 2)).view(9, 4, 4)
fig, axes = plt.subplots(3, 3)
for ax, image in zip(axes.flat, images):
    ax.imshow(image.numpy(), cmap="gray")
plt.close(fig)
latent = np.asarray(mu)  # expect: DET102
