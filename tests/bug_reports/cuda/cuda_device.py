# The sibling error, kept aside: programs rebuilt from public bug reports in which users hit
# "TypeError: can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the
# tensor to host memory first."  They need a CUDA device, so no test runs them; the line that
# raises carries the comment "# raises on CUDA".  Same case format as the other tables.

# case: cuda-stage-losses-summed-with-np-sum
# https://github.com/swz30/MPRNet/issues/91 (also issues/128; the same code in
# https://github.com/MC-E/Deep-Generalized-Unfolding-Networks-for-Image-Restoration/issues/6)
import numpy as np
import torch
import torch.nn as nn


class CharbonnierLoss(nn.Module):
    def forward(self, x, y):
        diff = x - y
        return torch.mean(torch.sqrt(diff * diff + 1e-6))


model_restoration = nn.ModuleList([nn.Conv2d(3, 3, 3, padding=1) for _ in range(3)]).cuda()
criterion_char = CharbonnierLoss()
target = torch.rand(2, 3, 8, 8).cuda()
input_ = torch.rand(2, 3, 8, 8).cuda()
restored = [stage(input_) for stage in model_restoration]
loss_char = np.sum([criterion_char(restored[j], target) for j in range(len(restored))])  # raises on CUDA

# case: cuda-evaluator-sums-list-of-batch-losses
# https://github.com/HCIILAB/Scene-Text-Recognition-Recommendations/issues/2
import numpy as np
import torch
from torch import nn


class Evaluator:
    def __init__(self, model):
        self.model = model

    def evaluate(self, data_loader, batch_size=4):
        self.model.eval()
        losses = []
        with torch.no_grad():
            for inputs, targets in data_loader:
                output = self.model(inputs.cuda())
                loss = nn.functional.mse_loss(output, targets.cuda())
                losses.append(loss)
        losses = np.sum(losses) / (1.0 * (len(data_loader) - 1) * batch_size)  # raises on CUDA
        return losses


evaluator = Evaluator(nn.Linear(5, 2).cuda())
evaluator.evaluate([(torch.rand(4, 5), torch.rand(4, 2)) for _ in range(3)])

# case: cuda-attack-losses-array-summed
# https://github.com/TaoShuchang/G-NIA/issues/2
import numpy as np
import torch
from torch import nn

model = nn.Linear(6, 3).cuda()
loss_arr = []
for batch in range(3):
    features = torch.rand(8, 6).cuda()
    loss = nn.functional.cross_entropy(model(features), torch.randint(0, 3, (8,)).cuda(), reduction="none")
    loss_arr.append(loss.detach())
train_loss = np.array(loss_arr).sum()  # raises on CUDA

# case: cuda-graph-layers-summed-with-np-sum
# https://github.com/xiaxin1998/DHCN/issues/14 (also https://github.com/xiaxin1998/COTREC/issues/4)
import numpy as np
import torch
from torch import nn

embedding = nn.Embedding(5, 4).cuda()
adjacency = torch.eye(5).to_sparse().cuda()
item_embeddings = embedding.weight
final = [item_embeddings]
for i in range(2):
    item_embeddings = torch.sparse.mm(adjacency, item_embeddings)
    final.append(item_embeddings.detach())
item_embeddings = np.sum(final, 0) / 3  # raises on CUDA

# case: cuda-meters-built-with-np-array-of-accuracies
# https://github.com/wengong-jin/hgraph2graph/issues/40
import numpy as np
import torch

meters = np.zeros(6)
kl_div = 0.5
loss = torch.tensor(1.0).cuda()
wacc, iacc, tacc, sacc = (torch.rand(4).cuda() > 0.5).float().mean(0).repeat(4)
meters = meters + np.array([kl_div, loss.item(), wacc * 100, iacc * 100, tacc * 100, sacc * 100])  # raises on CUDA

# case: cuda-hand-model-output-numpy
# https://github.com/Hzzone/pytorch-openpose/pull/16
import torch
from torch import nn

model = nn.Conv2d(3, 22, 3, padding=1).cuda()
data = torch.rand(1, 3, 16, 16).cuda()
with torch.no_grad():
    output = model(data).numpy()  # raises on CUDA

# case: cuda-loss-stored-into-numpy-array-by-index
# https://github.com/lavi135246/pytorch-Learning-to-See-in-the-Dark/issues/10
import numpy as np
import torch
from torch import nn

g_loss = np.zeros((5000, 1))
model = nn.Conv2d(4, 12, 3, padding=1).cuda()
for ind in range(2):
    out = model(torch.rand(1, 4, 8, 8).cuda())
    loss = torch.mean(torch.abs(out - torch.rand(1, 12, 8, 8).cuda()))
    loss.backward()
    g_loss[ind] = loss.data  # raises on CUDA

# case: cuda-cam-mask-turned-into-heatmap
# https://github.com/1Konny/gradcam_plus_plus-pytorch/issues/10
import numpy as np
import torch
import torch.nn.functional as F


def visualize_cam(mask, img):
    heatmap = np.uint8(255 * mask.squeeze())  # raises on CUDA
    return heatmap, img


saliency_map = F.relu(torch.rand(1, 1, 7, 7)).cuda()
mask = F.interpolate(saliency_map, size=(32, 32), mode="bilinear", align_corners=False)
visualize_cam(mask, torch.rand(1, 3, 32, 32).cuda())

# case: cuda-explainer-detaches-but-does-not-copy
# https://github.com/WilliamCCHuang/GraphLIME/issues/2
import torch

original_feats = torch.rand(10, 4, requires_grad=True).cuda()
sample_x = [original_feats.detach().numpy()]  # raises on CUDA

# case: cuda-sklearn-accuracy-in-validation-step
# https://github.com/Lightning-AI/pytorch-lightning/issues/1429
import torch
from sklearn.metrics import accuracy_score
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        y_hat = self.fc(x).argmax(dim=1)
        val_acc = accuracy_score(y, y_hat)  # raises on CUDA
        return {"val_acc": torch.tensor(val_acc)}


model = Classifier().cuda()
with torch.no_grad():
    model.validation_step((torch.rand(4, 8).cuda(), torch.randint(0, 3, (4,)).cuda()), 0)
