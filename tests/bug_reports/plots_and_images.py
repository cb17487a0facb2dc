# Programs rebuilt from public bug reports in which users hit
# "RuntimeError: Can't call numpy() on Tensor that requires grad": model outputs, parameters and
# values computed from them, plotted or shown as images.
# Each case starts with the address of its report.  Data, datasets and pretrained models are
# replaced by torch.rand tensors and small modules of the same structure; the shape of the
# user's code (helpers, classes, loops, library calls) is kept.
# Labels follow tests/cases/interprocedural.py: the line that raises, or, when a helper of the
# program converts what it is given, the call that hands it the tensor that requires grad.

# case: sgd-lesson-scatter-of-parameter-product
# https://github.com/fastai/course-v3/issues/455 (also pull/521, pull/497)
import matplotlib.pyplot as plt
import torch
from torch import nn

n = 100
x = torch.ones(n, 2)
x[:, 0].uniform_(-1., 1)
a = torch.tensor([3., 2])
y = x @ a + torch.rand(n)


def mse(y_hat, y):
    return ((y_hat - y) ** 2).mean()


a = nn.Parameter(torch.tensor([-1., 1]))


def update():
    y_hat = x @ a
    loss = mse(y, y_hat)
    loss.backward()
    with torch.no_grad():
        a.sub_(lr * a.grad)
        a.grad.zero_()


lr = 1e-1
for t in range(10):
    update()

plt.scatter(x[:, 0], y)
plt.scatter(x[:, 0], x @ a)  # expect: DET102

# case: sgd-lesson-animation-callback-updates-line
# https://github.com/fastai/course-v3/issues/455 (second part: the animation, after the plot
# line was wrapped in no_grad; the line's new data is converted when the frame is drawn)
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import animation
from torch import nn

n = 100
x = torch.ones(n, 2)
x[:, 0].uniform_(-1., 1)
y = x @ torch.tensor([3., 2]) + torch.rand(n)
a = nn.Parameter(torch.tensor([-1., 1]))
lr = 1e-1


def mse(y_hat, y):
    return ((y_hat - y) ** 2).mean()


def update():
    y_hat = x @ a
    loss = mse(y, y_hat)
    loss.backward()
    with torch.no_grad():
        a.sub_(lr * a.grad)
        a.grad.zero_()


fig = plt.figure()
plt.scatter(x[:, 0], y, c="orange")
with torch.no_grad():
    line, = plt.plot(x[:, 0], x @ a)
plt.close()


def animate(i):
    update()
    line.set_ydata(x @ a)
    return line,


anim = animation.FuncAnimation(fig, animate, np.arange(0, 3), interval=20)
html = anim.to_jshtml()  # expect: DET102

# case: embedding-weights-returned-in-tuple-plotted-in-ui-callback
# https://github.com/tkalayci71/embedding-inspector/issues/22
from types import SimpleNamespace

import torch
from matplotlib import pyplot as plt
from torch import nn


class EmbeddingsWithFixes(nn.Module):
    def __init__(self, wrapped):
        super().__init__()
        self.wrapped = wrapped


class FrozenCLIPEmbedder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokenizer = {"cat": [10], "dog": [11]}
        self.transformer = nn.Module()
        self.transformer.text_model = nn.Module()
        self.transformer.text_model.embeddings = nn.Module()
        self.transformer.text_model.embeddings.token_embedding = EmbeddingsWithFixes(nn.Embedding(50, 16))


shared = SimpleNamespace(sd_model=SimpleNamespace(cond_stage_model=SimpleNamespace(wrapped=FrozenCLIPEmbedder())))
loaded_embs = {}


def get_data():
    embedder = shared.sd_model.cond_stage_model.wrapped
    if embedder.__class__.__name__ == "FrozenCLIPEmbedder":
        tokenizer = embedder.tokenizer
        internal_embs = embedder.transformer.text_model.embeddings.token_embedding.wrapped.weight
    else:
        tokenizer = None
        internal_embs = None
    return tokenizer, internal_embs, loaded_embs


def get_embedding_info(text):
    text = text.lower()
    tokenizer, internal_embs, loaded_embs = get_data()
    loaded_emb = loaded_embs.get(text, None)
    if loaded_emb is not None:
        return loaded_emb.name, loaded_emb.checksum(), loaded_emb.vec, loaded_emb
    emb_ids = tokenizer.get(text, [])
    if len(emb_ids) == 0:
        return None, None, None, None
    emb_id = emb_ids[0]
    emb_vec = internal_embs[emb_id].unsqueeze(0)
    return text, emb_id, emb_vec, None


def do_inspect(text):
    text = text.strip().lower()
    emb_name, emb_id, emb_vec, loaded_emb = get_embedding_info(text)
    if (emb_name is None) or (emb_id is None) or (emb_vec is None):
        return "An error occurred", None
    results = ["Embedding name: " + emb_name, "Vector count: " + str(emb_vec.shape[0])]
    tokenizer, internal_embs, loaded_embs = get_data()
    all_embs = internal_embs.to(device="cpu", dtype=torch.float32)
    for v in range(emb_vec.shape[0]):
        vec_v = emb_vec[v].to(device="cpu", dtype=torch.float32)
        results.append("Magnitude: " + str(torch.linalg.norm(vec_v).item()))
        cos = torch.nn.CosineSimilarity(dim=1, eps=1e-6)
        scores = cos(all_embs, vec_v)
        sorted_scores, sorted_ids = torch.sort(scores, descending=True)
        best_ids = sorted_ids[0:5].numpy()
        results.append(" ".join(str(i) for i in best_ids))
    emb_vec = emb_vec.to(device="cpu", dtype=torch.float32).clone()
    fig = plt.figure()
    for u in range(emb_vec.shape[0]):
        x = torch.arange(start=0, end=emb_vec[u].shape[0], step=1)
        plt.plot(x.numpy(), emb_vec[u].numpy())  # expect: DET101
    return "\n".join(results), fig


inspect_button_click = do_inspect
inspect_button_click("cat")

# case: heatmap-helper-with-star-args-converts-feature-maps
# https://github.com/XiaMooo/Yolo-Detect-Layer-Visualization/issues/1
import matplotlib.pyplot as plt
import torch
from torch import nn


def plot_multi_heatmap(*arrays, cmap="viridis", title=None, row=None, col=None):
    if row is None:
        row = 1
    if col is None:
        col = len(arrays)
    fig, ax = plt.subplots(row, col, figsize=(4 * col, 4 * row))
    for i, array in enumerate(arrays):
        if isinstance(array, torch.Tensor):
            array = array.cpu().numpy()
        r = i // col
        c = i % col
        axi = ax[r, c] if row > 1 else ax[c]
        axi.imshow(array, cmap=cmap)
    plt.show()


class DetectHead(nn.Module):
    def __init__(self, channels, num_classes):
        super().__init__()
        self.cls = nn.Conv2d(channels, num_classes, 1)

    def forward(self, features):
        return [self.cls(f) for f in features]


head = DetectHead(8, 3)
features = [torch.rand(1, 8, 16, 16), torch.rand(1, 8, 8, 8)]
outputs = head(features)
cls_maps = [out[0].sigmoid().max(dim=0).values for out in outputs]
plot_multi_heatmap(*cls_maps, cmap="viridis")  # expect: DET101

# case: generator-output-shown-with-imshow-in-loop
# https://github.com/HasnainRaz/Fast-AgingGAN/issues/8
import matplotlib.pyplot as plt
import torch
from torch import nn


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 3, 3, padding=1), nn.Tanh())

    def forward(self, x):
        return self.net(x)


model = Generator()
model.eval()
image_paths = ["a.jpg", "b.jpg", "c.jpg"]
fig, ax = plt.subplots(2, 3, figsize=(20, 10))
for i in range(len(image_paths)):
    img = torch.rand(1, 3, 32, 32) * 2 - 1
    aged_face = model(img)
    aged_face = (aged_face.squeeze().permute(1, 2, 0) + 1.0) / 2.0
    ax[0, i].imshow((img.squeeze().permute(1, 2, 0) + 1.0) / 2.0)
    ax[1, i].imshow(aged_face)  # expect: DET102
plt.show()

# case: detection-boxes-drawn-as-rectangles-in-attention-plot
# https://github.com/NielsRogge/Transformers-Tutorials/pull/178
import matplotlib.pyplot as plt
import torch
from torch import nn


class Detr(nn.Module):
    def __init__(self, num_queries=5, num_labels=4):
        super().__init__()
        self.backbone = nn.Conv2d(3, 8, 4, stride=4)
        self.query = nn.Parameter(torch.rand(num_queries, 8))
        self.class_head = nn.Linear(8, num_labels + 1)
        self.box_head = nn.Linear(8, 4)

    def forward(self, pixel_values):
        features = self.backbone(pixel_values)
        memory = features.flatten(2).transpose(1, 2)
        attention = torch.softmax(self.query @ memory.transpose(1, 2), dim=-1)
        hidden = attention @ memory
        return {"logits": self.class_head(hidden), "pred_boxes": self.box_head(hidden).sigmoid(),
                "cross_attentions": [attention.unsqueeze(1)], "features": features}


def post_process(outputs, target_sizes):
    boxes = outputs["pred_boxes"]
    cx, cy, w, h = boxes.unbind(-1)
    boxes = torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=-1)
    img_h, img_w = target_sizes.unbind(1)
    scale = torch.stack([img_w, img_h, img_w, img_h], dim=1)
    return [{"boxes": b * s} for b, s in zip(boxes, scale)]


model = Detr()
image = torch.rand(3, 32, 32)
pixel_values = image.unsqueeze(0)
outputs = model(pixel_values)
probas = outputs["logits"].softmax(-1)[0, :, :-1]
keep = probas.max(-1).values > 0.0
target_sizes = torch.tensor([32, 32]).unsqueeze(0)
postprocessed_outputs = post_process(outputs, target_sizes)
bboxes_scaled = postprocessed_outputs[0]["boxes"][keep]

dec_attn_weights = outputs["cross_attentions"][-1]
dec_attn_weights = torch.mean(dec_attn_weights, dim=1).detach()
h, w = outputs["features"].shape[-2:]
fig, axs = plt.subplots(ncols=len(bboxes_scaled), nrows=2, figsize=(22, 7))
for idx, ax_i, (xmin, ymin, xmax, ymax) in zip(keep.nonzero(), axs.T, bboxes_scaled):
    ax = ax_i[0]
    ax.imshow(dec_attn_weights[0, idx].view(h, w))
    ax.axis("off")
    ax = ax_i[1]
    ax.imshow(image.permute(1, 2, 0))
    ax.add_patch(plt.Rectangle((xmin, ymin), xmax - xmin, ymax - ymin, fill=False, color="blue", linewidth=3))  # expect: DET102
    ax.axis("off")
fig.tight_layout()
