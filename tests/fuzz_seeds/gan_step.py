import numpy as np
import torch
from torch import nn

generator = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 2))
discriminator = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
g_opt = torch.optim.Adam(generator.parameters(), lr=2e-4)
d_opt = torch.optim.Adam(discriminator.parameters(), lr=2e-4)
bce = nn.BCEWithLogitsLoss()

for step in range(100):
    noise = torch.randn(64, 16)
    fake = generator(noise)
    real = torch.randn(64, 2) * 0.5 + 1.0

    d_opt.zero_grad()
    d_loss = bce(discriminator(real), torch.ones(64, 1)) + bce(discriminator(fake.detach()), torch.zeros(64, 1))
    d_loss.backward()
    d_opt.step()

    g_opt.zero_grad()
    g_loss = bce(discriminator(fake), torch.ones(64, 1))
    g_loss.backward()
    g_opt.step()

    if step % 10 == 0:
        samples = fake.numpy()
        print(step, d_loss.item(), g_loss.item(), np.std(samples, axis=0))
