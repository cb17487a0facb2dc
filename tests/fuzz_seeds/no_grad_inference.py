import numpy as np
import torch


@torch.no_grad()
def predict(model: torch.nn.Module, batch: torch.Tensor) -> np.ndarray:
    return model(batch).softmax(-1).numpy()


def predict_with_grad(model, batch):
    return model(batch).softmax(-1).numpy()


net = torch.nn.Linear(4, 3)
batch = torch.randn(5, 4)
print(predict(net, batch))
with torch.inference_mode():
    print(net(batch).numpy())
with torch.set_grad_enabled(False):
    print(np.asarray(net(batch)))
print(predict_with_grad(net, batch))
