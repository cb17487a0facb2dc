# Programs rebuilt from public bug reports in which users hit
# "RuntimeError: Can't call numpy() on Tensor that requires grad": model outputs converted at
# evaluation, test or inference time, where grad mode was on.
# Each case starts with the address of its report.  Data, datasets and pretrained models are
# replaced by torch.rand tensors and small modules of the same structure; the shape of the
# user's code (helpers, classes, loops, library calls) is kept.
# Labels follow tests/cases/interprocedural.py: the line that raises, or, when a helper of the
# program converts what it is given, the call that hands it the tensor that requires grad.

# case: runner-evaluate-called-without-no-grad-in-test-only-mode
# https://github.com/gzerveas/mvts_transformer/issues/24
# validate() runs the evaluator under no_grad; the test_only path calls it directly.
import numpy as np
import torch
from torch import nn


class TSTransformerEncoder(nn.Module):
    def __init__(self, feat_dim, d_model):
        super().__init__()
        self.project_inp = nn.Linear(feat_dim, d_model)
        self.output_layer = nn.Linear(d_model, feat_dim)

    def forward(self, X, padding_masks):
        return self.output_layer(torch.relu(self.project_inp(X))) * padding_masks.unsqueeze(-1)


class MaskedMSELoss(nn.Module):
    def forward(self, y_pred, y_true, mask):
        return nn.functional.mse_loss(torch.masked_select(y_pred, mask), torch.masked_select(y_true, mask),
                                      reduction="none")


class BaseRunner:
    def __init__(self, model, dataloader, device, loss_module, optimizer=None):
        self.model = model
        self.dataloader = dataloader
        self.device = device
        self.optimizer = optimizer
        self.loss_module = loss_module
        self.epoch_metrics = {}


class UnsupervisedRunner(BaseRunner):
    def evaluate(self, epoch_num=None, keep_all=True):
        self.model = self.model.eval()
        epoch_loss = 0
        total_active_elements = 0
        if keep_all:
            per_batch = {"target_masks": [], "targets": [], "predictions": [], "metrics": [], "IDs": []}
        for i, batch in enumerate(self.dataloader):
            X, targets, target_masks, padding_masks, IDs = batch
            predictions = self.model(X.to(self.device), padding_masks)
            target_masks = target_masks * padding_masks.unsqueeze(-1)
            loss = self.loss_module(predictions, targets, target_masks)
            batch_loss = torch.sum(loss).cpu().item()
            mean_loss = batch_loss / len(loss)
            if keep_all:
                per_batch["target_masks"].append(target_masks.cpu().numpy())
                per_batch["targets"].append(targets.cpu().numpy())
                per_batch["predictions"].append(predictions.cpu().numpy())  # expect: DET101
                per_batch["metrics"].append([mean_loss])
                per_batch["IDs"].append(IDs)
            total_active_elements += len(loss)
            epoch_loss += batch_loss
        self.epoch_metrics["epoch"] = epoch_num
        self.epoch_metrics["loss"] = epoch_loss / total_active_elements
        if keep_all:
            return self.epoch_metrics, per_batch
        return self.epoch_metrics


def validate(val_evaluator, epoch):
    with torch.no_grad():
        aggr_metrics, per_batch = val_evaluator.evaluate(epoch, keep_all=True)
    return aggr_metrics


def main(test_only):
    model = TSTransformerEncoder(feat_dim=3, d_model=8)
    batch = (torch.rand(2, 5, 3), torch.rand(2, 5, 3), torch.rand(2, 5, 3) > 0.5, torch.ones(2, 5, dtype=torch.bool),
             [0, 1])
    loader = [batch]
    if test_only:
        test_evaluator = UnsupervisedRunner(model, loader, "cpu", MaskedMSELoss())
        aggr_metrics_test, per_batch_test = test_evaluator.evaluate(keep_all=True)
        print(aggr_metrics_test)
        return
    val_evaluator = UnsupervisedRunner(model, loader, "cpu", MaskedMSELoss())
    print(validate(val_evaluator, 0))


main(test_only=False)
main(test_only=True)

# case: web-service-draws-detections-of-model-called-without-no-grad
# https://github.com/feiyuhuahuo/Yolact_minimal/issues/9
# The server calls the network outside the no_grad block that detect.py had; the drawing
# helper converts the detections it is given.
from types import SimpleNamespace

import numpy as np
import torch
from torch import nn


class Yolact(nn.Module):
    def __init__(self, num_classes=4, num_priors=6):
        super().__init__()
        self.backbone = nn.Conv2d(3, 8, 3, padding=1)
        self.class_head = nn.Linear(8, num_classes)
        self.box_head = nn.Linear(8, 4)
        self.num_priors = num_priors

    def forward(self, img):
        features = self.backbone(img).mean(dim=(2, 3))
        features = features.repeat(self.num_priors, 1)
        return self.class_head(features), self.box_head(features)


def nms(class_p, box_p):
    scores, class_ids = class_p.softmax(-1).max(dim=-1)
    order = scores.argsort(descending=True)
    return class_ids[order], scores[order], box_p[order]


def draw_img(results, img_origin, args):
    class_ids, classes, boxes = [x[:args.visual_top_k].cpu().numpy() for x in results[:3]]
    img_numpy = img_origin.copy()
    for i in range(class_ids.shape[0]):
        x1, y1, x2, y2 = boxes[i, :]
        img_numpy[0, 0, 0] += classes[i]
    return img_numpy


def process(net, img_origin, args):
    img_tensor = torch.from_numpy(img_origin).permute(2, 0, 1).unsqueeze(0).float()
    class_p, box_p = net(img_tensor)
    results = nms(class_p, box_p)
    img_numpy = draw_img(results, img_origin, args)  # expect: DET101
    return img_numpy


net = Yolact()
net.eval()
args = SimpleNamespace(visual_top_k=3)
process(net, np.random.rand(16, 16, 3).astype(np.float32), args)

# case: resnet-output-numpy
# https://github.com/pytorch/pytorch/pull/18481
import torch
from torch import nn


def resnet34(pretrained=False):
    return nn.Sequential(nn.Conv2d(3, 8, 7, stride=2, padding=3), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 1000))


resnet = resnet34(pretrained=True)
result = resnet(torch.randn(1, 3, 64, 64))
result.numpy()  # expect: DET101

# case: argmax-of-network-output-converted-for-labels
# https://github.com/ShusenTang/Dive-into-DL-PyTorch/issues/134
# A false trail today: argmax gives an integer tensor, which never requires grad, so the
# conversion the report blames runs with current torch.
import torch

num_inputs, num_outputs = 784, 10
W = torch.normal(0, 0.01, (num_inputs, num_outputs), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)


def softmax(X):
    X_exp = X.exp()
    return X_exp / X_exp.sum(dim=1, keepdim=True)


def net(X):
    return softmax(torch.mm(X.view((-1, num_inputs)), W) + b)


def get_fashion_mnist_labels(labels):
    text_labels = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]
    return [text_labels[int(i)] for i in labels]


X, y = torch.rand(9, 1, 28, 28), torch.randint(0, 10, (9,))
true_labels = get_fashion_mnist_labels(y.numpy())
pred_labels = get_fashion_mnist_labels(net(X).argmax(dim=1).numpy())
titles = [true + "\n" + pred for true, pred in zip(true_labels, pred_labels)]

# case: no-grad-decorator-on-async-method-forwards-callback
# https://github.com/zyddnys/manga-image-translator/issues/179
# @torch.no_grad() on an async method only covers the creation of the coroutine: its body runs
# when it is awaited, with grad mode on.
import asyncio

import numpy as np
import torch
from torch import nn


class TextDetBase(nn.Module):
    def __init__(self):
        super().__init__()
        self.seg = nn.Conv2d(3, 1, 3, padding=1)
        self.lines = nn.Conv2d(3, 2, 3, padding=1)

    def forward(self, x):
        return None, self.seg(x).sigmoid(), self.lines(x).sigmoid()


def det_rearrange_forward(img, dbnet_batch_forward, tgt_size, max_batch_size, device):
    batch = np.stack([img, img])
    return dbnet_batch_forward(batch, device)


class ComicTextDetector:
    async def _load(self, device):
        self.device = device
        self.model = TextDetBase()
        self.input_size = (16, 16)

    def det_batch_forward_ctd(self, batch, device):
        if isinstance(self.model, TextDetBase):
            batch = np.transpose(batch.astype(np.float32) / 255., (0, 3, 1, 2))
            batch = torch.from_numpy(batch).to(device)
            _, mask, lines = self.model(batch)
            mask = mask.cpu().numpy()  # expect: DET101
            lines = lines.detach().cpu().numpy()  # (one failure a program: this second one is fixed here)
        else:
            raise NotImplementedError
        return lines, mask

    @torch.no_grad()
    async def _forward(self, image, detect_size):
        lines_map, mask = det_rearrange_forward(image, self.det_batch_forward_ctd, self.input_size[0], 4, self.device)
        return lines_map, mask

    async def detect(self, image, detect_size):
        return await self._forward(image, detect_size)


async def main():
    detector = ComicTextDetector()
    await detector._load("cpu")
    await detector.detect(np.random.randint(0, 255, (16, 16, 3)).astype(np.uint8), 1024)


asyncio.run(main())

# case: clip-probabilities-converted-inside-no-grad
# https://github.com/openai/CLIP/issues/16
# A false trail today: the conversion runs inside torch.no_grad(), where the model's outputs do
# not require grad; the report came from a JIT-compiled model of an old torch on CPU.
import torch
from torch import nn


class CLIP(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.visual = nn.Linear(12, dim)
        self.token_embedding = nn.Embedding(20, dim)
        self.logit_scale = nn.Parameter(torch.ones([]) * 2.0)

    def encode_image(self, image):
        return self.visual(image.flatten(1))

    def encode_text(self, text):
        return self.token_embedding(text).mean(dim=1)

    def forward(self, image, text):
        image_features = self.encode_image(image)
        text_features = self.encode_text(text)
        logits_per_image = self.logit_scale.exp() * image_features @ text_features.t()
        return logits_per_image, logits_per_image.t()


def load(name, device="cpu"):
    model = CLIP()
    return model, lambda image: image


device = "cuda" if torch.cuda.is_available() else "cpu"
model, preprocess = load("ViT-B/32", device=device)
image = preprocess(torch.rand(3, 2, 2)).unsqueeze(0).to(device)
text = torch.randint(0, 20, (3, 5)).to(device)
with torch.no_grad():
    image_features = model.encode_image(image)
    text_features = model.encode_text(text)
    logits_per_image, logits_per_text = model(image, text)
    probs = logits_per_image.softmax(dim=-1).cpu().numpy()
print("Label probs:", probs)

# case: leaf-converted-inside-no-grad
# https://github.com/pytorch/pytorch/issues/37000
# A false trail today: torch 1.5 refused numpy() on a leaf that requires grad even inside
# no_grad; since then grad mode decides, and the conversion runs.
import torch

a = torch.rand(10, requires_grad=True)
with torch.no_grad():
    b = a.numpy()

# case: relaxation-sets-requires-grad-on-positions-model-converts-them
# https://github.com/TorchSim/torch-sim/issues/469
# The optimizer marks the state's positions as requiring grad to get forces; the model wrapper's
# forward converts the positions of the state it is given (labelled at the conversion: the
# checker follows the state object into forward).
import numpy as np
import torch
from torch import nn


class SimState:
    def __init__(self, positions, cell, atomic_numbers, pbc=True):
        self.positions = positions
        self.cell = cell
        self.atomic_numbers = atomic_numbers
        self.pbc = pbc


class FairChemModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.energy_head = nn.Linear(3, 1)

    def forward(self, state):
        positions = state.positions.cpu().numpy()  # expect: DET101
        atomic_numbers = state.atomic_numbers.cpu().numpy()
        cell = state.cell.cpu().numpy()
        # the converted arrays build the neighbour graph; the energy is computed with torch
        distances = np.linalg.norm(positions[:, None] - positions[None] + 0.0 * cell[0], axis=-1)
        neighbours = torch.from_numpy((distances < 5.0) & (atomic_numbers[:, None] > 0))
        energy = (self.energy_head(state.positions).squeeze(-1) * neighbours.sum(dim=1)).sum()
        return {"energy": energy}


def lbfgs_step(state, model, step_size=0.01):
    state.positions.requires_grad_(True)
    results = model(state)
    forces = -torch.autograd.grad(results["energy"], state.positions)[0]
    with torch.no_grad():
        state.positions = state.positions + step_size * forces
    return state


def optimize(system, model, max_steps=3):
    state = system
    for step in range(max_steps):
        state = lbfgs_step(state, model)
    return state


model = FairChemModel()
state = SimState(torch.rand(4, 3), torch.eye(3), torch.tensor([1, 1, 8, 8]))
print(model(state)["energy"])
optimize(state, model)

# case: deeprobust-pgd-random-sample-runs-with-todays-torch
# https://github.com/DSE-MSU/DeepRobust/pull/16
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parameter import Parameter


class GCN(nn.Module):
    def __init__(self, nfeat, nhid, nclass):
        super().__init__()
        self.fc1 = nn.Linear(nfeat, nhid)
        self.fc2 = nn.Linear(nhid, nclass)

    def forward(self, x, adj):
        x = F.relu(adj @ self.fc1(x))
        return F.log_softmax(adj @ self.fc2(x), dim=1)


def normalize_adj_tensor(adj):
    mx = adj + torch.eye(adj.shape[0])
    rowsum = mx.sum(1)
    r_inv = rowsum.pow(-1 / 2).flatten()
    r_inv[torch.isinf(r_inv)] = 0.
    r_mat_inv = torch.diag(r_inv)
    return r_mat_inv @ mx @ r_mat_inv


class PGDAttack:
    def __init__(self, model=None, nnodes=None, loss_type='CE', device='cpu'):
        self.surrogate = model
        self.nnodes = nnodes
        self.device = device
        self.loss_type = loss_type
        self.adj_changes = Parameter(torch.FloatTensor(int(nnodes * (nnodes - 1) / 2)))
        self.adj_changes.data.fill_(0)
        self.complementary = None

    def attack(self, ori_features, ori_adj, labels, idx_train, perturbations, epochs=5):
        victim_model = self.surrogate
        victim_model.eval()
        for t in range(epochs):
            modified_adj = self.get_modified_adj(ori_adj)
            adj_norm = normalize_adj_tensor(modified_adj)
            output = victim_model(ori_features, adj_norm)
            loss = self._loss(output[idx_train], labels[idx_train])
            adj_grad = torch.autograd.grad(loss, self.adj_changes)[0]
            lr = 200 / np.sqrt(t + 1)
            self.adj_changes.data.add_(lr * adj_grad)
            self.adj_changes.data.copy_(torch.clamp(self.adj_changes.data, min=0, max=1))
        self.random_sample(ori_adj, ori_features, labels, idx_train, perturbations)
        self.modified_adj = self.get_modified_adj(ori_adj).detach()

    def random_sample(self, ori_adj, ori_features, labels, idx_train, perturbations):
        K = 20
        best_loss = -1000
        best_s = None
        victim_model = self.surrogate
        with torch.no_grad():
            s = self.adj_changes.cpu().numpy()
            for i in range(K):
                sampled = np.random.binomial(1, s)
                if sampled.sum() > perturbations:
                    continue
                self.adj_changes.data.copy_(torch.tensor(sampled))
                modified_adj = self.get_modified_adj(ori_adj)
                adj_norm = normalize_adj_tensor(modified_adj)
                output = victim_model(ori_features, adj_norm)
                loss = self._loss(output[idx_train], labels[idx_train])
                if best_loss < loss:
                    best_loss = loss
                    best_s = sampled
            if best_s is not None:
                self.adj_changes.data.copy_(torch.tensor(best_s))

    def _loss(self, output, labels):
        return F.nll_loss(output, labels)

    def get_modified_adj(self, ori_adj):
        if self.complementary is None:
            self.complementary = (torch.ones_like(ori_adj) - torch.eye(self.nnodes) - ori_adj) - ori_adj
        m = torch.zeros((self.nnodes, self.nnodes))
        tril_indices = torch.tril_indices(row=self.nnodes - 1, col=self.nnodes - 1, offset=0)
        m[tril_indices[0], tril_indices[1]] = self.adj_changes
        m = m + m.t()
        return self.complementary * m + ori_adj


n = 10
features = torch.rand(n, 6)
adj = (torch.rand(n, n) > 0.7).float()
adj = torch.triu(adj, 1)
adj = adj + adj.t()
labels = torch.randint(0, 3, (n,))
idx_train = np.arange(6)
model = GCN(nfeat=6, nhid=8, nclass=3)
attacker = PGDAttack(model=model, nnodes=n, loss_type='CE')
attacker.attack(features, adj, labels, idx_train, perturbations=5)
print("done")

# case: scipy-minimize-returns-loss-tensor
# https://github.com/pytorch/pytorch/issues/105730
import math

import numpy as np
import scipy.optimize
import torch


class Optimizer:
    def __init__(self, adjacency, embedding, device=torch.device("cpu"), dtype=torch.double):
        self.n = adjacency.shape[0]
        self.device = device
        self.dtype = dtype
        self.shift = 0.
        deg = np.array(adjacency.sum(axis=1)).flatten()
        self.vol = deg.sum()
        self.deg = torch.tensor(deg, device=self.device, dtype=self.dtype, requires_grad=False)
        self.embedding = embedding @ embedding.T
        self.pmi = torch.tensor(self.embedding, device=self.device, dtype=self.dtype, requires_grad=False)

    def learnNetwork(self, max_iter=5, method='autoshift'):

        def pmi_loss_10_elt_param(elts, n, logit_mode='raw', vol=0., skip_max=False):
            elts_tensor = torch.tensor(elts, device=self.device, dtype=self.dtype, requires_grad=True)
            adj_recon = torch.zeros(n, n, device=self.device, dtype=self.dtype)
            if logit_mode == 'raw':
                adj_recon[np.triu_indices(n, 1)] = elts_tensor
            elif logit_mode == 'autoshift':
                self.shift = 0.
                for i in range(10):
                    self.shift = self.shift - (torch.sigmoid(elts_tensor + self.shift).sum() - (vol / 2)) / (
                        torch.sigmoid(elts_tensor + self.shift) * (1. - torch.sigmoid(elts_tensor + self.shift))).sum()
                adj_recon[np.triu_indices(n, 1)] = torch.sigmoid(elts_tensor + self.shift)

            adj_recon = adj_recon + adj_recon.T
            deg_recon = adj_recon.sum(dim=0)
            vol_recon = deg_recon.sum()
            p_recon = (1. / deg_recon)[:, np.newaxis] * adj_recon
            p_recon_2 = p_recon @ p_recon
            pmi_recon_exact = torch.log(torch.clamp((vol_recon / 10.) * p_recon_2 * (1. / deg_recon)[np.newaxis, :], min=1.))
            loss_pmi = (pmi_recon_exact - self.pmi).pow(2).sum() / (self.pmi).pow(2).sum()
            loss_deg = (deg_recon - self.deg).pow(2).sum() / self.deg.pow(2).sum()
            loss_vol = (vol_recon - self.vol).pow(2) / (self.vol ** 2)

            loss = loss_pmi
            print('{}. Loss: {}\t PMI: {}\t Vol: {}\t Deg: {:.2f}'.format(
                self.iter_num, math.sqrt(loss.item()), math.sqrt(loss_pmi.item()), loss_vol.item(), loss_deg.item()))
            loss.backward()
            gradients = elts_tensor.grad.numpy().flatten()
            return loss, gradients

        def callback_elt_param(x_i):
            self.elts = x_i
            self.iter_num += 1

        self.elts = np.random.uniform(0, 1, size=(self.n * self.n - self.n) // 2)
        self.iter_num = 0
        self.elts *= 0
        res = scipy.optimize.minimize(pmi_loss_10_elt_param, x0=self.elts,  # expect: DET102
                                      args=(self.n, 'autoshift', self.vol, False), jac=True, method='L-BFGS-B',
                                      callback=callback_elt_param,
                                      tol=np.finfo(float).eps,
                                      options={'maxiter': max_iter, 'ftol': np.finfo(float).eps})
        return res


adjacency = (np.random.rand(8, 8) > 0.5).astype(float)
adjacency = np.triu(adjacency, 1)
adjacency = adjacency + adjacency.T + np.eye(8)
embedding = np.random.rand(8, 3)
P = Optimizer(adjacency, embedding)
P.learnNetwork()

# case: torch-mlir-eager-backend-transfer
# https://github.com/llvm/torch-mlir/pull/1647
import abc

import numpy as np
import torch


class TorchMLIREagerBackend(abc.ABC):
    @abc.abstractmethod
    def transfer_from_torch_to_device(self, tensor: torch.Tensor):
        raise NotImplementedError

    @abc.abstractmethod
    def transfer_from_device_to_torch(self, tensor):
        raise NotImplementedError


class EagerModeRefBackend(TorchMLIREagerBackend):
    def copy_into(self, dst: np.ndarray, src: np.ndarray):
        np.copyto(dst, src)

    def transfer_from_device_to_torch(self, e: np.ndarray):
        return torch.from_numpy(e).clone()

    def transfer_from_torch_to_device(self, tensor: torch.Tensor) -> np.ndarray:
        return tensor.numpy()  # expect: DET101


backend = EagerModeRefBackend()


def make_wrapper_subclass_from_torch_tensor(cls, elem, **kwargs):
    return torch.Tensor._make_wrapper_subclass(
        cls,
        elem.size(),
        strides=elem.stride(),
        storage_offset=elem.storage_offset(),
        dtype=elem.dtype,
        layout=elem.layout,
        device=elem.device,
        requires_grad=kwargs.get("requires_grad", elem.requires_grad),
    )


class TorchMLIRTensor(torch.Tensor):
    elem: np.ndarray

    __slots__ = ["elem"]

    def __new__(cls, elem, **kwargs):
        if isinstance(elem, torch.nn.Parameter):
            r = make_wrapper_subclass_from_torch_tensor(cls, elem.data, **kwargs)
            r.elem = backend.transfer_from_torch_to_device(elem.detach().data)
        elif isinstance(elem, torch.Tensor):
            r = make_wrapper_subclass_from_torch_tensor(cls, elem, **kwargs)
            r.elem = backend.transfer_from_torch_to_device(elem)
        elif isinstance(elem, (int, float, bool)):
            return elem
        else:
            raise ValueError(f"Unknown element type: {type(elem)}")
        return r

    @classmethod
    def __torch_dispatch__(cls, func, _types, args=(), kwargs=None):
        raise NotImplementedError(func)


torch_a = torch.randn(5, requires_grad=True)
torch_b = torch.randn(5, requires_grad=True)

torch_c = torch_a + torch_b
torch_d = torch_a * torch_b
torch_e = torch_c / torch_d
torch_loss = torch_e.sum()
print("PyTorch loss: ", torch_loss)

torch_loss.backward()
print("PyTorch grad a: ", torch_a.grad)

a = TorchMLIRTensor(torch_a)
b = TorchMLIRTensor(torch_b)
