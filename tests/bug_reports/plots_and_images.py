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

# case: cis522-frobenius-norm-plot
# https://github.com/CIS-522/course-content/pull/22
# W4D2 notebook: students implement calculate_frobenius_norm(model); the norm is
# recorded every epoch in model_norm and plotted afterwards ("Frobenious norm of
# the model"). A torch implementation (the published solution without its
# `.data`) returns a tensor that requires grad, and plt.plot(model_norm) fails.
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


def calculate_frobenius_norm(model):
    norm = 0.0
    for name, param in model.named_parameters():
        norm += torch.norm(param) ** 2
    return norm**0.5


class Net(nn.Module):
    """
    A simple network with leaky relu activation
    """

    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(1, 30)
        self.fc2 = nn.Linear(30, 50)
        self.fc3 = nn.Linear(50, 1)

    def forward(self, x):
        x = F.leaky_relu(self.fc1(x))
        x = F.leaky_relu(self.fc2(x))
        output = self.fc3(x)
        return output


X = torch.linspace(0, 1, 40).view(40, 1, 1)
Y = 2 * X + 0.1 * torch.randn(40, 1, 1)
X_test = torch.linspace(0, 1, 40).view(40, 1, 1)

model = Net()
criterion = nn.MSELoss()
optimizer = optim.Adam(model.parameters(), lr=1e-4)
max_epochs = 20
iters = 0

running_predictions = np.empty((40, (int)(max_epochs / 10 + 1)))

train_loss = []
test_loss = []
model_norm = []

for epoch in range(max_epochs):
    # training
    model_norm.append(calculate_frobenius_norm(model))
    model.train()
    optimizer.zero_grad()
    predictions = model(X)
    loss = criterion(predictions, Y)
    loss.backward()
    optimizer.step()

    train_loss.append(loss.data)
    model.eval()
    Y_test = model(X_test)
    loss = criterion(Y_test, 2 * X_test)
    test_loss.append(loss.data)

    if epoch % 10 == 0 or epoch == max_epochs - 1:
        running_predictions[:, iters] = Y_test[:, 0, 0].detach().numpy()
        iters += 1

# @title Frobenious norm of the model
plt.plot(model_norm)  # expect: DET102
plt.ylabel("norm of the model")
plt.xlabel("epochs")
plt.title("Size of the model vs Epochs")
plt.show()

# case: detectron2-visualizer-batch-outputs
# https://github.com/facebookresearch/detectron2/issues/3102
# Colab tutorial modified to batch inference: outputs = predictor.model(img_batch)
# (DefaultPredictor.__call__ would have run under no_grad, .model does not), then
# Visualizer.draw_instance_predictions(outputs[0]["instances"].to("cpu")).
# Mask R-CNN is replaced by a small module returning the same Instances/Boxes
# structures; Visualizer keeps the conversion path of detectron2 v0.4.
import numpy as np
import torch
import torch.nn as nn


class Boxes:
    def __init__(self, tensor):
        self.tensor = tensor

    def to(self, device):
        return Boxes(self.tensor.to(device))


class Instances:
    def __init__(self, image_size, **kwargs):
        self._image_size = image_size
        self._fields = {}
        for k, v in kwargs.items():
            self.set(k, v)

    def __getattr__(self, name):
        if name == "_fields" or name not in self._fields:
            raise AttributeError(name)
        return self._fields[name]

    def set(self, name, value):
        self._fields[name] = value

    def has(self, name):
        return name in self._fields

    def to(self, *args, **kwargs):
        ret = Instances(self._image_size)
        for k, v in self._fields.items():
            if hasattr(v, "to"):
                v = v.to(*args, **kwargs)
            ret.set(k, v)
        return ret


class TinyRCNN(nn.Module):
    def __init__(self, num_classes=80, num_det=5):
        super().__init__()
        self.backbone = nn.Conv2d(3, 8, 4, stride=4)
        self.box_head = nn.Linear(8, num_det * 4)
        self.cls_head = nn.Linear(8, num_det * num_classes)
        self.num_det, self.num_classes = num_det, num_classes

    def forward(self, batched_inputs):
        results = []
        for x in batched_inputs:
            img = x["image"].float()[None] / 255.0
            feat = self.backbone(img).mean(dim=(2, 3))
            boxes = self.box_head(feat).view(self.num_det, 4).abs() * 100
            logits = self.cls_head(feat).view(self.num_det, self.num_classes)
            scores, classes = logits.softmax(-1).max(-1)
            inst = Instances(img.shape[-2:], pred_boxes=Boxes(boxes), scores=scores, pred_classes=classes)
            results.append({"instances": inst})
        return results


class Visualizer:
    def __init__(self, img_rgb, metadata=None, scale=1.0):
        self.img = np.asarray(img_rgb).clip(0, 255).astype(np.uint8)

    def draw_instance_predictions(self, predictions):
        boxes = predictions.pred_boxes if predictions.has("pred_boxes") else None
        scores = predictions.scores if predictions.has("scores") else None
        classes = predictions.pred_classes if predictions.has("pred_classes") else None
        labels = ["{} {:.0f}%".format(int(c), s * 100) for c, s in zip(classes, scores)]
        return self.overlay_instances(boxes=boxes, labels=labels)

    def overlay_instances(self, *, boxes=None, labels=None):
        boxes = self._convert_boxes(boxes)
        for box, label in zip(boxes, labels):
            x0, y0, x1, y1 = box
        return self

    def _convert_boxes(self, boxes):
        if isinstance(boxes, Boxes):
            return boxes.tensor.numpy()
        else:
            return np.asarray(boxes)


class DefaultPredictor:
    def __init__(self, model):
        self.model = model
        self.model.eval()

    def __call__(self, original_image):
        with torch.no_grad():
            return self.model([{"image": original_image}])[0]


predictor = DefaultPredictor(TinyRCNN())
img_tensor = torch.randint(0, 255, (3, 64, 80), dtype=torch.uint8)
img_batch = [{"image": img_tensor} for i in range(2)]
outputs = predictor.model(img_batch)

print(outputs[0]["instances"].pred_classes)
print(outputs[0]["instances"].pred_boxes)

im = img_tensor.permute(1, 2, 0).numpy()
v = Visualizer(im[:, :, ::-1], None, scale=1.2)
out = v.draw_instance_predictions(outputs[0]["instances"].to("cpu"))  # expect: DET101

# case: examples-super-resolve-fromarray
# https://github.com/pytorch/examples/pull/354
# super_resolution/super_resolve.py (before the fix): upscale the Y channel with
# the trained model and turn the output into a PIL image. The model file loaded
# with torch.load is replaced by the example's Net class; the input image by a
# random one.
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.init as init
from PIL import Image


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super(Net, self).__init__()

        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 64, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(64, 64, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(64, 32, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(32, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)

        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        x = self.pixel_shuffle(self.conv4(x))
        return x

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv2.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv3.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv4.weight)


opt = argparse.Namespace(cuda=False, output_filename=None)

img = Image.fromarray(np.random.randint(0, 255, (24, 32, 3), dtype=np.uint8)).convert('YCbCr')
y, cb, cr = img.split()

model = Net(upscale_factor=3)
input = torch.from_numpy(np.asarray(y, dtype=np.float32) / 255.0).view(1, -1, y.size[1], y.size[0])

if opt.cuda:
    model = model.cuda()
    input = input.cuda()

out = model(input)
out = out.cpu()
out_img_y = out[0].numpy()  # expect: DET101
out_img_y *= 255.0
out_img_y = out_img_y.clip(0, 255)
out_img_y = Image.fromarray(np.uint8(out_img_y[0]), mode='L')

out_img_cb = cb.resize(out_img_y.size, Image.BICUBIC)
out_img_cr = cr.resize(out_img_y.size, Image.BICUBIC)
out_img = Image.merge('YCbCr', [out_img_y, out_img_cb, out_img_cr]).convert('RGB')
print(out_img.size)

# case: kaolin-timelapse-add-mesh-batch
# https://github.com/NVIDIAGameWorks/kaolin/issues/432
# examples/tutorial/dibr_tutorial.ipynb: optimise a sphere mesh, and after each
# epoch write a 3D checkpoint with kal.visualize.Timelapse.add_mesh_batch(),
# whose kaolin.io.usd.add_mesh() (the user's installed version) converts the
# vertices with vertices.cpu().float().numpy(). USD stages are replaced by
# dicts, the DIB-R rendering loss by a plain loss on the vertices.
import torch


def add_mesh(stage, scene_path, vertices=None, faces=None, uvs=None, face_uvs_idx=None, face_normals=None, time=None):
    usd_mesh = stage.setdefault(scene_path, {})
    if faces is not None:
        usd_mesh["faceVertexIndices", time] = faces.view(-1).cpu().long().numpy()
    if vertices is not None:
        vertices_list = vertices.cpu().float().numpy()
        usd_mesh["points", time] = vertices_list
    return stage


class Timelapse:
    def __init__(self, log_dir):
        self.logdir = log_dir
        self.stages = {}

    def _validate_parameters(self, **kwargs):
        lengths = {k: len(v) for k, v in kwargs.items() if v is not None}
        assert lengths, 'No attributes provided.'
        num_samples = list(lengths.values())[0]
        return_params = []
        for v in kwargs.values():
            if v is None:
                return_params.append([None] * num_samples)
            else:
                return_params.append(v)
        return return_params

    def add_mesh_batch(self, iteration=0, category='', vertices_list=None, faces_list=None,
                       uvs_list=None, face_uvs_idx_list=None, face_normals_list=None, materials_list=None):
        validated = self._validate_parameters(
            vertices_list=vertices_list, faces_list=faces_list, uvs_list=uvs_list,
            face_uvs_idx_list=face_uvs_idx_list, face_normals_list=face_normals_list,
            materials_list=materials_list
        )
        for i, sample in enumerate(zip(*validated)):
            vertices, faces, uvs, face_uvs_idx, face_normals, materials = sample
            mesh_name = f'mesh_{i}'
            stage = self.stages.setdefault(f'{category}/{mesh_name}', {})
            add_mesh(stage, f'/{mesh_name}', vertices, faces, uvs,
                     face_uvs_idx, face_normals, time=iteration)


timelapse = Timelapse('./logs/')
num_epoch = 2
lr = 5e-2

vertices = torch.rand(42, 3).unsqueeze(0) * 75
vertices.requires_grad = True
faces = torch.randint(0, 42, (80, 3))

timelapse.add_mesh_batch(iteration=0, category='optimized_mesh', faces_list=[faces.cpu()])

vertices_init = vertices.detach()
vertices_init.requires_grad = False
vertice_shift = torch.zeros((3,), dtype=torch.float, requires_grad=True)


def recenter_vertices(vertices, vertice_shift):
    """Recenter vertices on vertice_shift for better optimization"""
    vertices_min = vertices.min(dim=1, keepdim=True)[0]
    vertices_max = vertices.max(dim=1, keepdim=True)[0]
    vertices_mid = (vertices_min + vertices_max) / 2
    vertices = vertices - vertices_mid + vertice_shift
    return vertices


optim = torch.optim.Adam(params=[vertices, vertice_shift], lr=lr)

for epoch in range(num_epoch):
    optim.zero_grad()
    vertices_batch = recenter_vertices(vertices, vertice_shift)
    loss = (vertices_batch.norm(dim=-1) - 50.).abs().mean() + torch.mean((vertices - vertices_init) ** 2)
    loss.backward()
    optim.step()
    print(f"Epoch {epoch} - loss: {float(loss)}")

    vertices_batch = recenter_vertices(vertices, vertice_shift)

    # We are now adding a new state of the mesh to the timelapse
    timelapse.add_mesh_batch(  # expect: DET101
        iteration=epoch,
        category='optimized_mesh',
        vertices_list=[vertices_batch[0]],
    )

# case: ml4g-polynomial-plot-helper
# https://github.com/EffiSciencesResearch/ML4G-2.0/pull/2
# PyTorch tutorial notebook: fit a 3rd-order polynomial with autograd, then
# "Check with the plot!" through a plotting helper defined in an earlier cell.
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch


def plot(predicted_y, true_y, x):
    """Plot the predictions and the actual data points"""
    plt.plot(x, true_y, label="y (actual)")
    plt.plot(x, predicted_y, label="y_pred (predicted)")
    plt.xlabel("x")
    plt.ylabel("y")
    plt.legend()
    plt.show()


x = torch.linspace(-torch.pi, torch.pi, 1000)
true_y = torch.sin(x)

a = torch.randn((), requires_grad=True)
b = torch.randn((), requires_grad=True)
c = torch.randn((), requires_grad=True)
d = torch.randn((), requires_grad=True)

learning_rate = 1e-3
epochs = 200
for t in range(epochs):
    # Forward pass: compute predicted y using operations on Tensors.
    predicted_y = a + b * x + c * x**2 + d * x**3

    loss = (predicted_y - true_y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())

    loss.backward()

    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")

# Check with the plot!
plot(predicted_y, true_y, x)  # expect: DET102

# case: stepik-liveplot-loss
# https://github.com/sic-rus-ai/stepik-dl-nlp/pull/14
# task6_recipe_ner.ipynb: train an LSTM tagger and show the loss live with
# livelossplot: liveplot.update({'...': loss}) stores the loss tensor, and
# liveplot.draw() plots the stored history with matplotlib. livelossplot is
# not installed here; PlotLosses below keeps its structure (a logger with a
# per-metric history of LogItems, a matplotlib output that plots the values).
from collections import namedtuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

LogItem = namedtuple("LogItem", ["step", "value"])


class MainLogger:
    def __init__(self):
        self.log_history = {}
        self.current_step = -1

    def update(self, logs, current_step=None):
        self.current_step = self.current_step + 1 if current_step is None else current_step
        for name, value in logs.items():
            self.log_history.setdefault(name, []).append(LogItem(step=self.current_step, value=value))


class MatplotlibPlot:
    def send(self, logger):
        fig, axes = plt.subplots(1, len(logger.log_history), squeeze=False)
        for ax, (name, logs) in zip(axes[0], logger.log_history.items()):
            self._draw_metric_subplot(ax, logs, name)
        plt.close(fig)

    def _draw_metric_subplot(self, ax, logs, name):
        xs = [log.step for log in logs]
        values = [log.value for log in logs]
        ax.plot(xs, values, label="training")  # expect: DET102
        ax.set_title(name)


class PlotLosses:
    def __init__(self):
        self.logger = MainLogger()
        self.outputs = [MatplotlibPlot()]

    def update(self, logs, current_step=None):
        self.logger.update(logs, current_step)

    def draw(self):
        for output in self.outputs:
            output.send(self.logger)


class LSTMTagger(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super(LSTMTagger, self).__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, words):
        embeds = self.word_embeddings(words)
        lstm_out, _ = self.lstm(embeds.view(len(words), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(words), -1))
        tag_scores = F.log_softmax(tag_space, dim=1)
        return tag_scores


EMBEDDING_DIM, HIDDEN_DIM, VOCAB_SIZE, TAGSET_SIZE = 32, 32, 100, 9
training_data = [(torch.randint(0, VOCAB_SIZE, (7,)), torch.randint(0, TAGSET_SIZE, (7,))) for _ in range(6)]

model = LSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, VOCAB_SIZE, TAGSET_SIZE)
loss_function = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)

liveplot = PlotLosses()

for epoch in range(1):
    for i, (encoded_recipe, encoded_tags) in enumerate(training_data):
        model.zero_grad()
        tag_scores = model(encoded_recipe)
        loss = loss_function(tag_scores, encoded_tags)
        loss.backward()
        optimizer.step()

        if i % 5 == 0:
            liveplot.update({'negative log likelihood loss': loss})
            liveplot.draw()

        if i == 15000:
            break

# case: yolov7-pose-output-to-keypoint
# https://github.com/WongKinYiu/yolov7/pull/333
# tools/keypoint.ipynb: run the pose model (eval(), no no_grad), NMS, then
# utils/plots.py output_to_keypoint() turns the detections into a NumPy array
# for plot_skeleton_kpts(). The pretrained yolov7-w6-pose model is replaced by
# a small module with the same output layout (xywh, obj, cls, 17*3 keypoints).
import numpy as np
import torch
import torch.nn as nn


class PoseModel(nn.Module):
    def __init__(self, nkpt=17):
        super().__init__()
        self.nc, self.nkpt = 1, nkpt
        self.conv = nn.Conv2d(3, 6 + 3 * nkpt, 8, stride=8)
        nn.init.constant_(self.conv.bias, 2.0)  # like the trained model: confident detections

    def forward(self, x):
        p = self.conv(x).flatten(2).permute(0, 2, 1)  # (bs, anchors, 57)
        p = torch.cat((p[..., :4] * 8, p[..., 4:6].sigmoid(), p[..., 6:] * 8), -1)
        return p, [p]


def xywh2xyxy(x):
    y = x.clone()
    y[:, 0] = x[:, 0] - x[:, 2] / 2
    y[:, 1] = x[:, 1] - x[:, 3] / 2
    y[:, 2] = x[:, 0] + x[:, 2] / 2
    y[:, 3] = x[:, 1] + x[:, 3] / 2
    return y


def xyxy2xywh(x):
    y = np.copy(x)
    y[:, 0] = (x[:, 0] + x[:, 2]) / 2
    y[:, 1] = (x[:, 1] + x[:, 3]) / 2
    y[:, 2] = x[:, 2] - x[:, 0]
    y[:, 3] = x[:, 3] - x[:, 1]
    return y


def non_max_suppression_kpt(prediction, conf_thres=0.25, iou_thres=0.45, kpt_label=False, nc=None, nkpt=None):
    xc = prediction[..., 4] > conf_thres  # candidates
    max_det = 300
    output = [torch.zeros((0, 6), device=prediction.device)] * prediction.shape[0]
    for xi, x in enumerate(prediction):  # image index, image inference
        x = x[xc[xi]]  # confidence
        if not x.shape[0]:
            continue
        x[:, 5:5 + nc] *= x[:, 4:5]  # conf = obj_conf * cls_conf
        box = xywh2xyxy(x[:, :4])
        kpts = x[:, 6:]
        conf, j = x[:, 5:6].max(1, keepdim=True)
        x = torch.cat((box, conf, j.float(), kpts), 1)[conf.view(-1) > conf_thres]
        n = x.shape[0]
        if not n:
            continue
        i = x[:, 4].argsort(descending=True)  # stands in for torchvision.ops.nms
        if i.shape[0] > max_det:
            i = i[:max_det]
        output[xi] = x[i]
    return output


def output_to_keypoint(output):
    # Convert model output to target format [batch_id, class_id, x, y, w, h, conf]
    targets = []
    for i, o in enumerate(output):
        kpts = o[:, 6:]
        o = o[:, :6]
        for index, (*box, conf, cls) in enumerate(o.cpu().numpy()):
            targets.append([i, cls, *list(*xyxy2xywh(np.array(box)[None])), conf, *list(kpts.cpu().numpy()[index])])
    return np.array(targets)


device = torch.device("cpu")
model = PoseModel()
model = model.to(device)
_ = model.eval()

image = torch.rand(1, 3, 64, 64)
image = image.to(device)

output, _ = model(image)

output = non_max_suppression_kpt(output, 0.25, 0.65, nc=model.nc, nkpt=model.nkpt, kpt_label=True)
output = output_to_keypoint(output)  # expect: DET101
nimg = image[0].permute(1, 2, 0) * 255
nimg = nimg.cpu().numpy().astype(np.uint8)
print(output.shape, nimg.shape)
