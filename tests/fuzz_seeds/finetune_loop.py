import numpy as np
import torch
from torch import nn, optim


def build_model() -> nn.Module:
    backbone = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    for parameter in backbone.parameters():
        parameter.requires_grad = False
    return nn.Sequential(backbone, nn.Linear(8, 5))


def run_epoch(model, batches, optimizer=None):
    training = optimizer is not None
    model.train(training)
    outputs = []
    with torch.set_grad_enabled(training):
        for images, labels in batches:
            logits = model(images)
            loss = nn.functional.cross_entropy(logits, labels)
            if training:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            outputs.append(logits.detach().cpu().numpy())
    return np.concatenate(outputs)


model = build_model()
head = model[1]
opt = optim.SGD(head.parameters(), lr=0.01, momentum=0.9)
batches = [(torch.randn(4, 3, 16, 16), torch.randint(0, 5, (4,))) for _ in range(3)]
train_logits = run_epoch(model, batches, opt)
val_logits = run_epoch(model, batches)
print(train_logits.shape, val_logits.shape, head.weight.numpy().std())
