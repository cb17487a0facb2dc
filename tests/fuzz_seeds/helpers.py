from typing import List

import numpy as np
import torch


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy()


def unsafe_to_numpy(tensor):
    return tensor.cpu().numpy()


def stack_outputs(outputs: List[torch.Tensor]) -> np.ndarray:
    return np.stack([o.cpu().numpy() for o in outputs])


weights = torch.nn.Parameter(torch.ones(3))
print(to_numpy(weights))
print(unsafe_to_numpy(weights))
print(stack_outputs([weights * 2, weights + 1]))
