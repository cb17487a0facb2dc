"""A library's model factory: a real ``nn.Module`` whose type the checker cannot see."""

from __future__ import annotations

import torch


def build_model(name: str) -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
