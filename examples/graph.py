"""The computational graph of the question "why .detach() before .numpy()?".

`flake8-detach explain examples/graph.py:17` draws it.
"""

import numpy as np
import torch

x = torch.rand(4, requires_grad=True)
w = torch.rand(4, requires_grad=True)

y = x @ w  # inner product of x and w
z = y ** 2  # square the inner product
z.backward()  # autograd walks the graph back from z to x and w
print("dz/dw", w.grad.numpy())  # fine: a gradient does not require grad

print("z", z.numpy())  # DET101: z is a node of the graph

with torch.no_grad():  # fine: no graph is recorded here
    x_t = torch.rand(3, 4)
    y_np = np.ones((4, 2), dtype=np.float32)
    print(np.dot(x_t.numpy(), y_np))
