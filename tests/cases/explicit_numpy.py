# Explicit .numpy() calls: on tensors that require grad, and the forms that are safe.

# case: leaf-requires-grad-numpy
import torch

x = torch.rand(3, requires_grad=True)
arr = x.numpy()  # expect: DET101

# case: leaf-requires-grad-detach-numpy
import torch

x = torch.rand(3, requires_grad=True)
arr = x.detach().numpy()

# case: leaf-cpu-numpy
import torch

x = torch.rand(3, requires_grad=True)
arr = x.cpu().numpy()  # expect: DET101

# case: leaf-detach-cpu-numpy
import torch

x = torch.rand(3, requires_grad=True)
arr = x.detach().cpu().numpy()

# case: leaf-cpu-detach-numpy
import torch

x = torch.rand(3, requires_grad=True)
arr = x.cpu().detach().numpy()

# case: leaf-to-cpu-string-numpy
import torch

x = torch.rand(3, requires_grad=True)
arr = x.to("cpu").numpy()  # expect: DET101

# case: leaf-to-device-object-numpy
import torch

device = torch.device("cpu")
x = torch.rand(3, requires_grad=True)
arr = x.to(device).numpy()  # expect: DET101

# case: leaf-to-device-detached-first
import torch

device = torch.device("cpu")
x = torch.rand(3, requires_grad=True)
arr = x.detach().to(device).numpy()

# case: numpy-force-true
import torch

x = torch.rand(3, requires_grad=True)
arr = x.numpy(force=True)

# case: numpy-force-true-after-arithmetic
import torch

w = torch.rand(3, requires_grad=True)
y = (w * 3).exp()
arr = y.numpy(force=True)
print(arr.sum())

# case: numpy-force-false-keyword
import torch

x = torch.rand(3, requires_grad=True)
arr = x.numpy(force=False)  # expect: DET101

# case: data-numpy
import torch

x = torch.rand(3, requires_grad=True)
arr = x.data.numpy()

# case: data-cpu-numpy
import torch

x = torch.rand(3, requires_grad=True)
arr = (x * 2).data.cpu().numpy()

# case: arithmetic-result-numpy
import torch

w = torch.rand(3, requires_grad=True)
y = w * 2 + 1
arr = y.numpy()  # expect: DET101

# case: arithmetic-result-detached
import torch

w = torch.rand(3, requires_grad=True)
y = w * 2 + 1
arr = y.detach().numpy()

# case: plain-tensor-numpy
import torch

x = torch.randn(4, 3)
arr = x.numpy()
arr2 = (x * 2 + 1).cpu().numpy()
print(arr.shape, arr2.shape)

# case: multi-line-chain-numpy
import torch

w = torch.rand(2, 3, requires_grad=True)
arr = (
    (w @ torch.ones(3))
    .cpu()
    .numpy()  # expect: DET101
)

# case: multi-line-chain-detached
import torch

w = torch.rand(2, 3, requires_grad=True)
arr = (
    (w @ torch.ones(3))
    .detach()
    .cpu()
    .numpy()
)

# case: numpy-in-print-fstring
import torch

w = torch.ones(2, requires_grad=True)
loss = (w ** 2).sum()
print(f"loss = {loss.numpy()}")  # expect: DET101

# case: numpy-in-a-slice-bound
import torch

w = torch.ones(2, requires_grad=True)
steps = list(range(10))
print(steps[int(w.sum().numpy()):])  # expect: DET101

# case: numpy-in-an-index-of-an-index
import torch

w = torch.ones(2, requires_grad=True)
grid = [[0, 1, 2], [3, 4, 5]]
print(grid[1][int(w[0].numpy())])  # expect: DET101

# case: numpy-in-a-format-spec
import torch

w = torch.ones(2, requires_grad=True)
print(f"{3.14159:.{int(w[1].numpy())}f}")  # expect: DET101

# case: format-tensor-without-conversion
import torch

w = torch.ones(2, requires_grad=True)
loss = (w ** 2).sum()
print(f"loss = {loss:.3f}", str(loss), repr(w))
print("loss = %.3f" % loss)

# case: numpy-on-sum-result
import torch

w = torch.ones(5, requires_grad=True)
total = w.sum()
value = total.numpy()  # expect: DET101

# case: item-instead-of-numpy
import torch

w = torch.ones(5, requires_grad=True)
total = w.sum()
value = total.item()
print(value + 1.0)

# case: unbound-tensor-numpy
import torch

w = torch.ones(2, requires_grad=True)
arr = torch.Tensor.numpy(w)  # expect: DET101

# case: unbound-tensor-numpy-detached
import torch

w = torch.ones(2, requires_grad=True)
arr = torch.Tensor.numpy(w.detach())

# case: bound-method-taken-not-called
import torch

w = torch.ones(2, requires_grad=True)
convert = w.detach().numpy
print(convert().sum())

# case: numpy-after-clone
import torch

w = torch.ones(3, requires_grad=True)
copy = w.clone()
arr = copy.numpy()  # expect: DET101

# case: numpy-after-clone-detach
import torch

w = torch.ones(3, requires_grad=True)
copy = w.clone().detach()
arr = copy.numpy()

# case: numpy-after-detach-clone
import torch

w = torch.ones(3, requires_grad=True)
copy = w.detach().clone()
copy += 1
arr = copy.numpy()

# case: numpy-of-reassigned-name
import torch

w = torch.ones(3, requires_grad=True)
y = w * 2
y = y.detach()
arr = y.numpy()

# case: numpy-of-name-reassigned-to-grad
import torch

w = torch.ones(3, requires_grad=True)
y = torch.zeros(3)
print(y.numpy())
y = w * 2
arr = y.numpy()  # expect: DET101

# case: numpy-in-comprehension-over-params
import torch

weights = [torch.ones(2, requires_grad=True) for _ in range(3)]
arrays = [w.numpy() for w in weights]  # expect: DET101

# case: numpy-in-comprehension-detached
import torch

weights = [torch.ones(2, requires_grad=True) for _ in range(3)]
arrays = [w.detach().numpy() for w in weights]

# case: numpy-chained-astype
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
arr = (w * 10).numpy().astype(np.int64)  # expect: DET101

# case: numpy-chained-astype-detached
import numpy as np
import torch

w = torch.rand(3, requires_grad=True)
arr = (w * 10).detach().numpy().astype(np.int64)

# case: double-precision-copy-still-grad
import torch

w = torch.rand(3, requires_grad=True)
arr = w.double().numpy()  # expect: DET101

# case: half-precision-still-grad
import torch

w = torch.rand(3, requires_grad=True)
arr = w.half().float().numpy()  # expect: DET101
