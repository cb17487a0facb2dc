import numpy as np
import torch

params = [torch.randn(10, requires_grad=True) for _ in range(3)]
optimizer = torch.optim.SGD(params, lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
rates, norms = [], []
for epoch in range(20):
    optimizer.zero_grad()
    total = sum((p ** 2).sum() for p in params)
    total.backward()
    optimizer.step()
    scheduler.step()
    rates.append(scheduler.get_last_lr()[0])
    norms.append(torch.stack([p.norm() for p in params]).sum())
print(np.array(rates))
print(np.array(norms))
print(np.array([p.detach().numpy() for p in params]).shape)
