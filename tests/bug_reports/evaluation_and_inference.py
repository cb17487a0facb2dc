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
