"""Train a small classifier and keep the loss history for a plot."""

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class MLP(nn.Module):
    def __init__(self, features: int, classes: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(features, 64), nn.ReLU(), nn.Linear(64, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


data = TensorDataset(torch.randn(256, 10), torch.randint(0, 4, (256,)))
loader = DataLoader(data, batch_size=32, shuffle=True)
model = MLP(10, 4)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()

history = []
for epoch in range(3):
    for inputs, targets in loader:
        optimizer.zero_grad()
        logits = model(inputs)
        loss = criterion(logits, targets)
        loss.backward()
        optimizer.step()
        history.append(loss)
    print(f"epoch {epoch}: {loss.item():.3f}")

plt.plot(np.array(history))
plt.savefig("loss.png")
