# Where requires_grad stops: detach, .data, integer and bool results, Python values, new tensors.

# case: argmax-of-logits
import torch
import torch.nn as nn

model = nn.Linear(4, 3)
logits = model(torch.randn(5, 4))
pred = logits.argmax(dim=1).numpy()

# case: softmax-of-logits
import torch
import torch.nn as nn

model = nn.Linear(4, 3)
logits = model(torch.randn(5, 4))
probs = torch.softmax(logits, dim=1).numpy()  # expect: DET101

# case: argmin-function-form
import torch

w = torch.randn(5, requires_grad=True)
idx = torch.argmin(w * 2).numpy()

# case: max-with-dim-indices
import torch
import torch.nn as nn

model = nn.Linear(4, 3)
_, pred = torch.max(model(torch.randn(5, 4)), 1)
arr = pred.numpy()

# case: max-with-dim-values
import torch
import torch.nn as nn

model = nn.Linear(4, 3)
best, _ = torch.max(model(torch.randn(5, 4)), 1)
arr = best.numpy()  # expect: DET101

# case: max-method-indices-attribute
import torch
import torch.nn as nn

model = nn.Linear(4, 3)
out = model(torch.randn(5, 4)).max(dim=1)
arr = out.indices.numpy()

# case: max-method-values-attribute
import torch
import torch.nn as nn

model = nn.Linear(4, 3)
out = model(torch.randn(5, 4)).max(dim=1)
arr = out.values.numpy()  # expect: DET101

# case: max-method-subscript-zero
import torch

w = torch.randn(2, 3, requires_grad=True)
arr = w.max(1)[0].numpy()  # expect: DET101

# case: max-method-subscript-one
import torch

w = torch.randn(2, 3, requires_grad=True)
arr = w.max(1)[1].numpy()

# case: max-without-dim-is-a-value
import torch

w = torch.randn(2, 3, requires_grad=True)
arr = w.max().numpy()  # expect: DET101

# case: topk-indices
import torch

w = torch.randn(10, requires_grad=True)
top = torch.topk(w * 2, 3)[1].numpy()

# case: topk-values
import torch

w = torch.randn(10, requires_grad=True)
top = torch.topk(w * 2, 3)[0].numpy()  # expect: DET101

# case: sort-indices-unpacked
import torch

w = torch.randn(10, requires_grad=True)
ordered, order = torch.sort(w)
arr = order.numpy()

# case: argsort-result
import torch

w = torch.randn(10, requires_grad=True)
arr = w.argsort(descending=True).numpy()

# case: comparison-result
import torch

w = torch.randn(10, requires_grad=True)
mask = (w > 0).numpy()
same = (w == w).numpy()
print(mask.sum(), same.all())

# case: comparison-then-float
import torch

w = torch.randn(10, requires_grad=True)
hits = (torch.sigmoid(w) > 0.5).float().numpy()

# case: mask-times-grad-tensor
import torch

w = torch.randn(10, requires_grad=True)
kept = (w * (w > 0).float()).numpy()  # expect: DET101

# case: long-cast
import torch

w = torch.randn(10, requires_grad=True)
arr = (w * 10).long().numpy()
arr2 = (w * 10).int().numpy()
arr3 = w.bool().numpy()
print(arr, arr2, arr3)

# case: to-integer-dtype
import torch

w = torch.randn(10, requires_grad=True)
arr = (w * 10).to(torch.int64).numpy()
arr2 = (w * 10).type(torch.LongTensor).numpy()
print(arr, arr2)

# case: to-float-dtype-keeps-grad
import torch

w = torch.randn(10, requires_grad=True)
arr = (w * 10).to(torch.float64).numpy()  # expect: DET101

# case: round-keeps-grad
import torch

w = torch.randn(10, requires_grad=True)
arr = (w * 10).round().numpy()  # expect: DET101

# case: sign-keeps-grad
import torch

w = torch.randn(10, requires_grad=True)
arr = torch.sign(w).numpy()  # expect: DET101

# case: floor-then-long
import torch

w = torch.randn(10, requires_grad=True)
arr = torch.floor(w * 4).long().numpy()

# case: unique-of-float-keeps-grad
# unique() returns values of the input's dtype: for a float tensor they require grad.
import torch

w = torch.tensor([1.0, 2.0, 2.0], requires_grad=True)
arr = (w * 2).unique().numpy()  # expect: DET101

# case: unique-of-integer-tensor
import torch

w = torch.tensor([1.0, 2.0, 2.0], requires_grad=True)
arr = (w * 2).long().unique().numpy()

# case: nonzero-result
import torch

w = torch.randn(10, requires_grad=True)
arr = torch.nonzero(w > 0).numpy()
arr2 = (w > 0).nonzero().squeeze(1).numpy()
print(arr.shape, arr2.shape)

# case: histc-is-not-differentiable
import torch

w = torch.randn(100, requires_grad=True)
counts = torch.histc(w * 2, bins=5).numpy()

# case: item-and-tolist
import numpy as np
import torch

w = torch.randn(10, requires_grad=True)
loss = (w ** 2).mean()
values = np.array((w * 2).tolist())
scalar = np.float32(loss.item())
print(values.sum(), scalar)

# case: float-builtin-then-numpy-function
import numpy as np
import torch

w = torch.randn(10, requires_grad=True)
loss = (w ** 2).mean()
print(np.log(float(loss)), np.sqrt(loss.item()))

# case: from-numpy-is-a-new-leaf
import numpy as np
import torch

a = np.arange(4.0)
t = torch.from_numpy(a)
back = t.numpy()
print(np.shares_memory(a, back))

# case: torch-tensor-of-list
import torch

data = [1.0, 2.0, 3.0]
t = torch.tensor(data)
arr = (t * 2).numpy()

# case: torch-tensor-with-requires-grad-keyword
import torch

t = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
arr = (t * 2).numpy()  # expect: DET101

# case: torch-tensor-copy-of-grad-tensor
# torch.tensor(t) copies without the graph (and warns).
import torch

w = torch.randn(3, requires_grad=True)
copy = torch.tensor(w)
arr = copy.numpy()

# case: torch-tensor-of-grad-scalars
import torch

w = torch.randn(3, requires_grad=True)
losses = [(w * i).sum() for i in range(3)]
arr = torch.tensor(losses).numpy()

# case: torch-stack-of-grad-scalars
import torch

w = torch.randn(3, requires_grad=True)
losses = [(w * i).sum() for i in range(3)]
arr = torch.stack(losses).numpy()  # expect: DET101

# case: as-tensor-returns-its-argument
import torch

w = torch.randn(3, requires_grad=True)
same = torch.as_tensor(w)
arr = same.numpy()  # expect: DET101

# case: as-tensor-of-list
import torch

same = torch.as_tensor([1.0, 2.0])
arr = same.numpy()

# case: state-dict-values
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
weights = {name: value.numpy() for name, value in model.state_dict().items()}

# case: state-dict-keep-vars
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
weights = {name: value.numpy() for name, value in model.state_dict(keep_vars=True).items()}  # expect: DET101

# case: grad-after-backward
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
model(torch.randn(3, 4)).sum().backward()
grad = model.weight.grad.numpy()
grads = [p.grad.numpy() for p in model.parameters()]

# case: grad-after-backward-create-graph
import torch

x = torch.randn(3, requires_grad=True)
(x ** 3).sum().backward(create_graph=True)
grad = x.grad.numpy()  # expect: DET101

# case: autograd-grad-plain
import torch

x = torch.randn(3, requires_grad=True)
(g,) = torch.autograd.grad((x ** 3).sum(), x)
arr = g.numpy()

# case: autograd-grad-create-graph
import torch

x = torch.randn(3, requires_grad=True)
(g,) = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
arr = g.numpy()  # expect: DET101

# case: like-factories
import torch

w = torch.randn(3, requires_grad=True)
y = w * 2
arrays = [
    torch.ones_like(y).numpy(),
    torch.zeros_like(y).numpy(),
    torch.where(y > 0, torch.ones_like(y), torch.zeros_like(y)).numpy(),
    torch.full_like(y, 3.0).numpy(),
    torch.rand_like(y).numpy(),
    y.new_zeros(2).numpy(),
]

# case: where-with-grad-branch
import torch

w = torch.randn(3, requires_grad=True)
y = w * 2
arr = torch.where(y > 0, y, torch.zeros_like(y)).numpy()  # expect: DET101

# case: where-with-constant-branches
import torch

w = torch.randn(3, requires_grad=True)
arr = torch.where(w > 0, 1.0, -1.0).numpy()

# case: detach-in-place
import torch

w = torch.randn(3, requires_grad=True)
y = w * 2
y.detach_()
arr = y.numpy()

# case: detached-then-requires-grad-again
import torch

w = torch.randn(3, requires_grad=True)
y = w.detach()
y.requires_grad_()
arr = y.numpy()  # expect: DET101

# case: optimizer-state-tensors
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
opt = torch.optim.Adam(model.parameters())
model(torch.randn(3, 4)).sum().backward()
opt.step()
moments = [state["exp_avg"].numpy() for state in opt.state.values()]

# case: buffers-do-not-require-grad
import torch
import torch.nn as nn

bn = nn.BatchNorm1d(4)
bn(torch.randn(8, 4))
mean = bn.running_mean.numpy()
var = bn.running_var.numpy()
print(mean.shape, var.shape)

# case: batchnorm-weight-is-a-parameter
import torch
import torch.nn as nn

bn = nn.BatchNorm1d(4)
gamma = bn.weight.numpy()  # expect: DET101

# case: one-hot-of-argmax
import torch
import torch.nn.functional as F

w = torch.randn(4, 3, requires_grad=True)
arr = F.one_hot(w.argmax(dim=1), num_classes=3).numpy()

# case: shape-and-size-are-not-tensors
import numpy as np
import torch

w = torch.randn(4, 3, requires_grad=True)
dims = np.array(w.shape)
size = np.asarray(w.size())
count = np.int64(w.numel())
print(dims, size, count)

# case: identity-test-of-a-gradient-is-a-python-bool
# `p.grad is None` is a Python bool, wherever p lives: nothing to move or detach.
import numpy as np
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
target = nn.Linear(4, 2).to(device)
assert np.all(next(target.parameters()).grad is None)
assert np.all([p.grad is None for p in target.parameters()])
print(np.asarray(target.weight.grad is not None, dtype=bool))

# case: membership-in-a-tensor-is-a-python-bool
# `k in t` and `k not in t` give Python bools; what a mask selects of a parameter requires grad.
import numpy as np
import torch

w = torch.nn.Parameter(torch.arange(4.0))
flags = np.array([2.0 in w, 7.0 not in w])
print(flags, np.asarray(w[w > 1]))  # expect: DET102

# case: identity-test-inside-a-helper-given-a-model-output
# The same through a helper's parameter and a method: the result of `is` is never a tensor.
import numpy as np
import torch


def present(x):
    return x is not None


class Probe:
    def __init__(self, model):
        self.model = model

    def check(self, batch):
        out = self.model(batch)
        return np.sum([present(out), out is batch])


probe = Probe(torch.nn.Linear(3, 3))
print(probe.check(torch.ones(1, 3)))
