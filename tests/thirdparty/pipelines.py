"""A library pipeline: moved with ``.to(device)``, switched to ``.eval()`` and called like a
model, but its ``__call__`` runs without grad (as Hugging Face and diffusers pipelines do)."""

from __future__ import annotations

import torch


class TextPipeline:
    def __init__(self) -> None:
        self.encoder = torch.nn.Linear(4, 2)

    def to(self, device: str) -> "TextPipeline":
        self.encoder.to(device)
        return self

    def eval(self) -> "TextPipeline":
        self.encoder.eval()
        return self

    @torch.no_grad()
    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        return self.encoder(batch)


def load_pipeline(name: str) -> TextPipeline:
    return TextPipeline()
