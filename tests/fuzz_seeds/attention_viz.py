import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

query = torch.randn(1, 6, 16, requires_grad=True)
key = torch.randn(1, 6, 16, requires_grad=True)
scores = torch.bmm(query, key.transpose(1, 2)) / np.sqrt(16)
attention = F.softmax(scores, dim=-1)

plt.imshow(attention[0].cpu(), cmap="viridis")
plt.colorbar()
heat = attention.squeeze(0).cpu().numpy()
print(heat.sum(axis=1))
labels = [f"t{i}" for i in range(6)]
plt.xticks(range(6), labels)
plt.savefig("attention.png")
