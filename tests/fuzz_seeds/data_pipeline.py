import numpy as np
import torch


def normalize(batch: np.ndarray) -> torch.Tensor:
    tensor = torch.from_numpy(batch).float()
    return (tensor - tensor.mean()) / (tensor.std() + 1e-6)


def augment(tensor: torch.Tensor) -> torch.Tensor:
    noise = torch.randn_like(tensor) * 0.01
    return tensor + noise


raw = np.random.rand(10, 3).astype(np.float32)
clean = normalize(raw)
augmented = augment(clean)
print(augmented.numpy().shape)
scale = torch.tensor(2.0, requires_grad=True)
scaled = augmented * scale
print(np.asarray(scaled).max())
print(np.asarray(scaled.detach()).min())
