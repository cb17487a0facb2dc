"""A library pipeline: moved with ``.to(device)``, switched to ``.eval()`` and called like a
model, but its ``__call__`` runs without grad (as Hugging Face and diffusers pipelines do)."""

from __future__ import annotations

from typing import List

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


class ImagePipeline:
    """A generation pipeline that moves to a device but hands back its images on the host, as
    diffusers and open-muse pipelines do (``output_type="pt"`` images, or PIL ones)."""

    def __init__(self) -> None:
        self.decoder = torch.nn.Linear(4, 12)

    def to(self, device: str) -> "ImagePipeline":
        self.decoder.to(device)
        return self

    @torch.no_grad()
    def __call__(self, prompt: str) -> List[torch.Tensor]:
        pixels = self.decoder(torch.rand(1, 4, device=self.decoder.weight.device))
        return [pixels.cpu().view(3, 4)]
