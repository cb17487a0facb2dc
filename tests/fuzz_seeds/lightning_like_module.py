from typing import Any, Dict

import numpy as np
import torch
from torch import nn


class LitModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(32, 1)
        self.outputs: list = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x).squeeze(-1)

    def training_step(self, batch: Any) -> Dict[str, torch.Tensor]:
        x, y = batch
        pred = self(x)
        loss = nn.functional.mse_loss(pred, y)
        self.outputs.append(pred)
        return {"loss": loss, "pred": pred}

    def on_epoch_end(self) -> None:
        everything = torch.cat(self.outputs)
        print("mean prediction", everything.mean().numpy())
        self.outputs.clear()

    def validation_step(self, batch: Any) -> float:
        x, y = batch
        with torch.no_grad():
            return float(nn.functional.mse_loss(self(x), y).numpy())


module = LitModel()
result = module.training_step((torch.randn(8, 32), torch.randn(8)))
print(result["pred"].numpy())
module.on_epoch_end()
print(module.validation_step((torch.randn(8, 32), torch.randn(8))))
