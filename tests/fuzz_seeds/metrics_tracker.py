from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List

import numpy as np
import torch


@dataclass
class Tracker:
    values: Dict[str, List[float]] = field(default_factory=lambda: defaultdict(list))

    def update(self, name: str, value: torch.Tensor) -> None:
        self.values[name].append(value.item())

    def summary(self) -> Dict[str, float]:
        return {name: float(np.mean(v)) for name, v in self.values.items()}


tracker = Tracker()
layer = torch.nn.Linear(3, 3)
for _ in range(5):
    out = layer(torch.randn(2, 3)).sum()
    tracker.update("out", out)
    gradient_norm = torch.stack([p.sum() for p in layer.parameters()])
    print(gradient_norm.numpy())
print(tracker.summary())
