"""Functions of a library the checker cannot see, which keep the graph of what they are given
(so that the code calling them can differentiate their results), and one that gives a number."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def focal_loss(logits: torch.Tensor, target: torch.Tensor, gamma: float = 2.0) -> torch.Tensor:
    log_p = F.log_softmax(logits, dim=-1).gather(1, target[:, None]).squeeze(1)
    return (-(1 - log_p.exp()) ** gamma * log_p).mean()


def perceptual_distance(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (output.tanh() - target.tanh()).pow(2).mean()


def scattering(signal: torch.Tensor) -> torch.Tensor:
    return torch.stack([signal.roll(shift).mul(signal).mean() for shift in range(4)])


def hinge(scores: torch.Tensor) -> torch.Tensor:
    return (1 - scores).clamp(min=0).mean()


def evaluate(model: torch.nn.Module) -> float:
    with torch.no_grad():
        return float(model(torch.ones(2, model.in_features)).mean())
