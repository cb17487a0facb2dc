"""The sibling error on a GPU: NumPy reads host memory only.

On a machine with CUDA, `predictions` and `losses` live on the GPU, and NumPy refuses them:
TypeError: can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the
tensor to host memory first. The code runs on a laptop without a GPU, which is why it ships.
"""

import numpy as np
import torch
from torch import nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3)).to(device)
batches = [(torch.rand(4, 8), torch.randint(0, 3, (4,))) for _ in range(5)]

model.eval()
predictions, losses = [], []
with torch.no_grad():
    for inputs, labels in batches:
        inputs, labels = inputs.to(device), labels.to(device)
        outputs = model(inputs)
        losses.append(nn.functional.cross_entropy(outputs, labels))
        predictions.append(outputs.argmax(dim=1))

print("mean loss", np.mean(losses))  # DET201: the losses are on the GPU
print("predicted", np.concatenate(predictions))  # DET201
print("first", predictions[0].cpu().numpy())  # fine: copied to the host first
