"""A small training-and-evaluation script with the bugs flake8-detach finds."""

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(4, 16)
        self.out = nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.hidden(x)))


def to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.cpu().numpy()


model = Classifier()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss()
inputs, targets = torch.randn(32, 4), torch.randint(0, 3, (32,))

losses = []
for epoch in range(5):
    optimizer.zero_grad()
    loss = criterion(model(inputs), targets)
    loss.backward()
    optimizer.step()
    losses.append(loss)

model.eval()
probabilities = torch.softmax(model(inputs), dim=1)
# fine: integer results never require grad
predictions = probabilities.argmax(dim=1).numpy()
confidence = probabilities.max(dim=1).values.numpy()  # DET101
plt.plot(losses)  # DET102: the list holds losses that require grad
print("mean loss", np.mean(losses))  # DET102
print("weights", to_numpy(model.hidden.weight))  # DET101, in the helper

with torch.no_grad():  # fine: grad mode is off
    correct = model(inputs).argmax(1) == targets
    print("accuracy", correct.float().mean().numpy())
