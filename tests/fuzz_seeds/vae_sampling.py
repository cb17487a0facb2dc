import numpy as np
import torch
from torch import nn


class VAE(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Linear(784, 40)
        self.decoder = nn.Linear(20, 784)

    def encode(self, x):
        stats = self.encoder(x)
        return stats[:, :20], stats[:, 20:]

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return torch.sigmoid(self.decoder(z)), mu, logvar


vae = VAE()
images = torch.rand(16, 784)
recon, mu, logvar = vae(images)
kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
grid = recon.view(16, 28, 28).numpy()
latents = np.asarray(mu)
print(kl.item(), grid.shape, latents.mean())
