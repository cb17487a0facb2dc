import matplotlib.pyplot as plt
import torch

embedding = torch.nn.Embedding(50, 2)
tokens = torch.arange(50)
points = embedding(tokens)

fig, ax = plt.subplots()
ax.scatter(points[:, 0], points[:, 1])
for index in range(0, 50, 10):
    ax.annotate(str(index), (points[index, 0].item(), points[index, 1].item()))
plt.hist(embedding.weight.detach().flatten().numpy(), bins=20)
plt.show()
