"""An evaluator: its ``eval(dataset)`` takes an argument, unlike ``nn.Module.eval()``."""

from __future__ import annotations

from typing import List

import torch


class Evaluator:
    def __init__(self, model: torch.nn.Module) -> None:
        self.model = model

    @torch.no_grad()
    def eval(self, dataset: List[torch.Tensor]) -> torch.Tensor:
        return torch.stack([self.model(batch).mean() for batch in dataset])
