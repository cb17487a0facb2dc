# Programs rebuilt from public bug reports in which users hit
# "RuntimeError: Can't call numpy() on Tensor that requires grad": the tensor travels through
# objects, methods, decorators, library-like helpers and callbacks before it is converted.
# Where the conversion happened inside a small library, the library's code path is rebuilt in
# the program (its classes and functions, much shortened), so that the program runs on its own.
# Each case starts with the address of its report.  Data, datasets and pretrained models are
# replaced by torch.rand tensors and small modules of the same structure.
# Labels follow tests/cases/interprocedural.py: the line that raises, or, when a helper of the
# program converts what it is given, the call that hands it the tensor that requires grad.

# case: trainer-hard-thresholds-parameter-of-model-it-holds
# https://github.com/microsoft/EdgeML/issues/119
import numpy as np
import torch
import torch.nn as nn


def hardThreshold(A, s):
    A_ = A.flatten()
    kth = int(s * A_.numel())
    if kth == 0:
        return torch.zeros_like(A)
    threshold = A_.abs().sort(descending=True).values[kth - 1]
    return A * (A.abs() >= threshold)


class Bonsai(nn.Module):
    def __init__(self, numClasses, dataDimension, projectionDimension):
        super().__init__()
        self.numClasses = numClasses
        self.Z = nn.Parameter(torch.randn(projectionDimension, dataDimension))
        self.W = nn.Parameter(torch.randn(numClasses, projectionDimension))

    def forward(self, X):
        return (X @ self.Z.t()) @ self.W.t()


class BonsaiTrainer:
    def __init__(self, bonsaiObj, lW, sW, sZ, learningRate):
        self.bonsaiObj = bonsaiObj
        self.lW = lW
        self.sW = sW
        self.sZ = sZ
        self.learningRate = learningRate
        self.optimizer = torch.optim.Adam(self.bonsaiObj.parameters(), lr=self.learningRate)

    def runHardThrsd(self):
        currW = self.bonsaiObj.W
        currZ = self.bonsaiObj.Z
        __thrsdW = hardThreshold(currW.cpu(), self.sW)
        __thrsdZ = hardThreshold(currZ.cpu(), self.sZ)
        self.__thrsdW = torch.FloatTensor(np.copy(__thrsdW))  # expect: DET102
        self.__thrsdZ = torch.FloatTensor(np.copy(__thrsdZ.detach()))

    def train(self, Xtrain, Ytrain, totalEpochs):
        for i in range(totalEpochs):
            logits = self.bonsaiObj(Xtrain)
            loss = nn.functional.cross_entropy(logits, Ytrain)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            if i >= totalEpochs // 2:
                self.runHardThrsd()


bonsaiObj = Bonsai(numClasses=3, dataDimension=10, projectionDimension=4)
trainer = BonsaiTrainer(bonsaiObj, lW=1e-3, sW=0.5, sZ=0.5, learningRate=0.01)
trainer.train(torch.rand(16, 10), torch.randint(0, 3, (16,)), totalEpochs=4)

# case: evaluator-hands-mapped-embeddings-to-sentence-translation-helper
# https://github.com/ccsasuke/umwe/issues/5
import numpy as np
import torch
from torch import nn


def get_sent_translation_accuracy(data, lg1, word2id1, emb1, lg2, word2id2, emb2, method, idf):
    emb1 = emb1.cpu().numpy()
    emb2 = emb2.cpu().numpy()
    emb1 = emb1 / np.linalg.norm(emb1, axis=1, keepdims=True)
    emb2 = emb2 / np.linalg.norm(emb2, axis=1, keepdims=True)
    scores = emb1 @ emb2.T
    return [("sent-precision_at_1", float((scores.argmax(axis=1) == np.arange(len(scores))).mean()))]


class Dictionary:
    def __init__(self, lang, words):
        self.lang = lang
        self.word2id = {w: i for i, w in enumerate(words)}


class Evaluator:
    def __init__(self, trainer):
        self.src_emb = trainer.src_emb
        self.tgt_emb = trainer.tgt_emb
        self.mapping = trainer.mapping
        self.src_dico = trainer.src_dico
        self.tgt_dico = trainer.tgt_dico

    def _transform(self):
        src_emb = self.mapping(self.src_emb.weight)
        tgt_emb = self.tgt_emb.weight
        return src_emb, tgt_emb, None

    def sent_translation(self, to_log):
        lg1 = self.src_dico.lang
        lg2 = self.tgt_dico.lang
        self.europarl_data = {lg1: ["a b"], lg2: ["c d"]}
        src_emb, tgt_emb, aux_emb = self._transform()
        idf = {lg1: {}, lg2: {}}
        for method in ["nn", "csls_knn_10"]:
            results = get_sent_translation_accuracy(self.europarl_data, lg1, self.src_dico.word2id, src_emb, lg2, self.tgt_dico.word2id, tgt_emb, method=method, idf=idf)  # expect: DET101
            to_log.update([("tgt_to_src_%s-%s" % (k, method), v) for k, v in results])

    def all_eval(self, to_log):
        self.sent_translation(to_log)


class Trainer:
    def __init__(self):
        self.src_dico = Dictionary("en", ["a", "b", "c", "d"])
        self.tgt_dico = Dictionary("de", ["w", "x", "y", "z"])
        self.src_emb = nn.Embedding(4, 6)
        self.tgt_emb = nn.Embedding(4, 6)
        self.mapping = nn.Linear(6, 6, bias=False)


trainer = Trainer()
evaluator = Evaluator(trainer)
to_log = {}
evaluator.all_eval(to_log)

# case: language-model-encoder-rows-compared-with-np-allclose
# https://github.com/fastai/course-nlp/issues/47
import numpy as np
import torch
from torch import nn


class AWD_LSTM(nn.Module):
    def __init__(self, vocab_sz, emb_sz, n_hid):
        super().__init__()
        self.encoder = nn.Embedding(vocab_sz, emb_sz)
        self.rnn = nn.LSTM(emb_sz, n_hid, batch_first=True)

    def forward(self, x):
        return self.rnn(self.encoder(x))[0]


class LinearDecoder(nn.Module):
    def __init__(self, n_out, n_hid):
        super().__init__()
        self.decoder = nn.Linear(n_hid, n_out)

    def forward(self, x):
        return self.decoder(x)


class LanguageModelLearner:
    def __init__(self, vocab, emb_sz=8, n_hid=8):
        self.model = nn.Sequential(AWD_LSTM(len(vocab.itos), emb_sz, n_hid), LinearDecoder(len(vocab.itos), n_hid))


class Vocab:
    def __init__(self, itos):
        self.itos = itos
        self.stoi = {w: i for i, w in enumerate(itos)}


vocab = Vocab(["xxunk", "the", "movie", "30-something", "linklater"])
learn = LanguageModelLearner(vocab)
enc = learn.model[0].encoder
print(enc.weight.size())
np.allclose(enc.weight[vocab.stoi["30-something"], :], enc.weight[vocab.stoi["linklater"], :])  # expect: DET102

# case: graph-convolution-layers-summed-with-np-sum-in-forward
# https://github.com/xiaxin1998/DHCN/issues/8 (the same line on CUDA: issues/14)
import numpy as np
import torch
from scipy.sparse import coo_matrix
from torch import nn
from torch.nn import Module


class HyperConv(Module):
    def __init__(self, layers, dataset, emb_size=16):
        super().__init__()
        self.emb_size = emb_size
        self.layers = layers
        self.dataset = dataset

    def forward(self, adjacency, embedding):
        item_embeddings = embedding
        item_embedding_layer0 = item_embeddings
        final = [item_embedding_layer0]
        for i in range(self.layers):
            item_embeddings = torch.sparse.mm(adjacency, item_embeddings)
            final.append(item_embeddings)
        item_embeddings = np.sum(final, 0) / (self.layers + 1)
        return item_embeddings


class DHCN(Module):
    def __init__(self, adjacency, n_node, emb_size=16, layers=2):
        super().__init__()
        self.n_node = n_node
        values = adjacency.data
        indices = np.vstack((adjacency.row, adjacency.col))
        self.adjacency = torch.sparse_coo_tensor(torch.LongTensor(indices), torch.FloatTensor(values),
                                                 torch.Size(adjacency.shape))
        self.embedding = nn.Embedding(self.n_node, emb_size)
        self.HyperGraph = HyperConv(layers, "sample", emb_size)

    def forward(self, session_item):
        item_embeddings_hg = self.HyperGraph(self.adjacency, self.embedding.weight)  # expect: DET102
        return item_embeddings_hg[session_item]


rows = np.array([0, 1, 2, 3])
cols = np.array([1, 2, 3, 0])
adjacency = coo_matrix((np.ones(4), (rows, cols)), shape=(4, 4))
model = DHCN(adjacency, n_node=4)
scores = model(torch.tensor([0, 2]))

# case: lie-group-constructor-validates-rotation-of-network-output
# https://github.com/utiasSTARS/liegroups/issues/4
import numpy as np
import torch
from torch import nn


class SOMatrixBase:
    dim = None

    def __init__(self, mat):
        self.mat = mat

    @classmethod
    def is_valid_matrix(cls, mat):
        if mat.dim() < 3:
            mat = mat.unsqueeze(0)
        shape_check = mat.shape[1:3] == (cls.dim, cls.dim)
        det_check = torch.isclose(mat.__class__(np.linalg.det(mat.cpu().numpy())), torch.tensor(1.), atol=1e-3)
        return shape_check & det_check

    @classmethod
    def from_matrix(cls, mat, normalize=False):
        mat_is_valid = cls.is_valid_matrix(mat)
        if mat_is_valid.all() or normalize:
            return cls(mat)
        raise ValueError("Invalid rotation matrix. Use normalize=True to handle rounding errors.")


class SO2(SOMatrixBase):
    dim = 2


class RotationHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.angle = nn.Linear(4, 1)

    def forward(self, x):
        theta = self.angle(x).squeeze(-1)
        c, s = torch.cos(theta), torch.sin(theta)
        return torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)


def rotation_loss(rotation_ab_pred, rotation_ab):
    print("rotation_ab_pred size = {} type = {}".format(rotation_ab_pred.size(), rotation_ab_pred.type()))
    rvec_ab_pred = SO2.from_matrix(rotation_ab_pred)
    return ((rvec_ab_pred.mat - rotation_ab) ** 2).mean()


net = RotationHead()
rotation_ab = torch.eye(2).repeat(8, 1, 1)
loss = rotation_loss(net(torch.rand(8, 4)), rotation_ab)  # expect: DET101
loss.backward()

# case: epoch-metric-lambda-converts-accumulated-predictions
# https://github.com/pytorchbearer/torchbearer/issues/424
import sklearn.metrics
import torch
from torch import nn

Y_PRED, Y_TRUE = "y_pred", "y_true"


class EpochLambda:
    def __init__(self, name, metric_function, running=True, step_size=50):
        self.name = name
        self._final = metric_function
        self._step = metric_function
        self._running = running
        self._step_size = step_size

    def reset(self, state):
        self._y_true = None
        self._y_pred = None
        self._steps = 0

    def process_train(self, state):
        if self._y_pred is None:
            self._y_pred = state[Y_PRED].clone()
            self._y_true = state[Y_TRUE].clone()
        else:
            self._y_pred = torch.cat([self._y_pred, state[Y_PRED]], dim=0)
            self._y_true = torch.cat([self._y_true, state[Y_TRUE]], dim=0)
        self._steps += 1
        if self._running and self._steps % self._step_size == 0:
            return self._step(self._y_pred, self._y_true)

    def process_final_train(self, state):
        return self._final(self._y_pred, self._y_true)  # expect: DET101


class RocAucScore(EpochLambda):
    def __init__(self, one_hot_labels=True):
        if one_hot_labels:
            process = lambda y: torch.nn.functional.one_hot(torch.as_tensor(y)).numpy()
        else:
            process = lambda y: y
        super().__init__("roc_auc_score", lambda y_pred, y_true: sklearn.metrics.roc_auc_score(process(y_true.cpu().numpy()), y_pred.cpu().numpy()), running=False)


model = nn.Sequential(nn.Linear(5, 1), nn.Sigmoid())
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
metric = RocAucScore(one_hot_labels=False)
state = {}
metric.reset(state)
for step in range(3):
    x = torch.rand(8, 5)
    y = torch.tensor([0, 1] * 4)
    state[Y_PRED] = model(x).squeeze(1)
    state[Y_TRUE] = y
    loss = nn.functional.binary_cross_entropy(state[Y_PRED], y.float())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    metric.process_train(state)
print(metric.process_final_train(state))

# case: visualisation-client-method-wrapped-by-decorator-converts-args
# https://github.com/fossasia/visdom/issues/366 (fixed by pull/370)
import numpy as np
import torch
from torch import nn


def pytorch_wrap(fn):
    def result(*args, **kwargs):
        args = (a.cpu().numpy() if type(a).__module__.startswith("torch") else a for a in args)
        for k in ["X", "Y", "Z", "opts", "values"]:
            if k in kwargs and type(kwargs[k]).__module__.startswith("torch"):
                kwargs[k] = kwargs[k].cpu().numpy()
        return fn(*args, **kwargs)
    return result


class Visdom:
    def __init__(self):
        self.windows = {}

    @pytorch_wrap
    def images(self, tensor, nrow=8, padding=2, win=None, env=None, opts=None):
        assert tensor.ndim == 4, "images should be 4D"
        grid = np.concatenate(list(tensor), axis=-1)
        self.windows[win or "images"] = grid
        return win


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 3 * 8 * 8)

    def forward(self, z):
        return torch.tanh(self.fc(z)).view(-1, 3, 8, 8)


viz = Visdom()
netG = Generator()
fake = netG(torch.randn(4, 10))
viz.images(fake * 0.5 + 0.5, win="samples")  # expect: DET101

# case: progress-board-plots-loss-points-passed-by-module-plot
# https://github.com/d2l-ai/d2l-en/pull/1907
import collections

import matplotlib.pyplot as plt
import torch
from torch import nn


class ProgressBoard:
    def __init__(self, xlabel=None, ls=("-", "--", "-.", ":"), colors=("C0", "C1", "C2", "C3"), fig=None,
                 display=True):
        self.xlabel = xlabel
        self.ls = ls
        self.colors = colors
        self.fig = fig
        self.display = display

    def draw(self, x, y, label, every_n=1):
        Point = collections.namedtuple("Point", ["x", "y"])
        if not hasattr(self, "raw_points"):
            self.raw_points = collections.OrderedDict()
            self.data = collections.OrderedDict()
        if label not in self.raw_points:
            self.raw_points[label] = []
            self.data[label] = []
        points = self.raw_points[label]
        line = self.data[label]
        points.append(Point(x, y))
        if len(points) != every_n:
            return
        mean = lambda x: sum(x) / len(x)
        line.append(Point(mean([p.x for p in points]), mean([p.y for p in points])))
        points.clear()
        if not self.display:
            return
        if self.fig is None:
            self.fig = plt.figure(figsize=(3.5, 2.5))
        plt_lines, labels = [], []
        for (k, v), ls, color in zip(self.data.items(), self.ls, self.colors):
            plt_lines.append(plt.plot([p.x for p in v], [p.y for p in v], linestyle=ls, color=color)[0])
            labels.append(k)
        plt.legend(plt_lines, labels)


class Module(nn.Module):
    def __init__(self, plot_train_per_epoch=2, plot_valid_per_epoch=1):
        super().__init__()
        self.plot_train_per_epoch = plot_train_per_epoch
        self.plot_valid_per_epoch = plot_valid_per_epoch
        self.board = ProgressBoard()

    def plot(self, key, value, train):
        self.board.xlabel = "epoch"
        if train:
            x = self.trainer.train_batch_idx / self.trainer.num_train_batches
            n = self.trainer.num_train_batches / self.plot_train_per_epoch
        else:
            x = self.trainer.epoch + 1
            n = self.trainer.num_val_batches / self.plot_valid_per_epoch
        self.board.draw(x, value.to(torch.device("cpu")), ("train_" if train else "val_") + key, every_n=int(n))

    def training_step(self, batch):
        l = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", l, train=True)  # expect: DET102
        return l

    def validation_step(self, batch):
        l = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", l, train=False)


class LinearRegression(Module):
    def __init__(self, lr):
        super().__init__()
        self.lr = lr
        self.net = nn.Linear(2, 1)

    def forward(self, X):
        return self.net(X)

    def loss(self, y_hat, y):
        return nn.functional.mse_loss(y_hat, y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), self.lr)


class Trainer:
    def __init__(self, max_epochs):
        self.max_epochs = max_epochs

    def fit(self, model, train_dataloader, val_dataloader):
        self.train_dataloader = train_dataloader
        self.val_dataloader = val_dataloader
        self.num_train_batches = len(train_dataloader)
        self.num_val_batches = len(val_dataloader)
        model.trainer = self
        self.model = model
        self.optim = model.configure_optimizers()
        self.epoch = 0
        self.train_batch_idx = 0
        for self.epoch in range(self.max_epochs):
            self.fit_epoch()

    def fit_epoch(self):
        self.model.train()
        for batch in self.train_dataloader:
            loss = self.model.training_step(batch)
            self.optim.zero_grad()
            loss.backward()
            self.optim.step()
            self.train_batch_idx += 1
        self.model.eval()
        for batch in self.val_dataloader:
            with torch.no_grad():
                self.model.validation_step(batch)


data = [(torch.rand(4, 2), torch.rand(4, 1)) for _ in range(4)]
model = LinearRegression(lr=0.03)
trainer = Trainer(max_epochs=2)
trainer.fit(model, data, data[:2])

# case: beamline-segment-plot-with-optimised-element-length
# https://github.com/desy-ml/cheetah/issues/287
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Rectangle


class Drift:
    def __init__(self, length, name=None):
        self.length = torch.as_tensor(length)
        self.name = name

    def plot(self, ax, s):
        pass


class Quadrupole:
    def __init__(self, length, k1, name=None):
        self.length = torch.as_tensor(length)
        self.k1 = torch.as_tensor(k1)
        self.name = name

    def plot(self, ax, s):
        alpha = 1 if self.k1 != 0 else 0.2
        height = 0.8 * (np.sign(self.k1.item()) if self.k1 != 0 else 1)
        patch = Rectangle((s, 0), self.length, height, color="tab:red", alpha=alpha, zorder=2)
        ax.add_patch(patch)


class Segment:
    def __init__(self, elements, name=None):
        self.elements = elements
        self.name = name

    def plot(self, ax, s=0.0):
        element_lengths = [element.length for element in self.elements]
        element_ss = [s] + [sum(element_lengths[: i + 1]) + s for i, _ in enumerate(element_lengths)]
        ax.plot([0, element_ss[-1].item()], [0, 0], "--", color="black")
        for element, s in zip(self.elements, element_ss[:-1]):
            element.plot(ax, s)  # expect: DET102
        ax.set_ylim(-1, 1)


segment = Segment([
    Drift(length=torch.tensor(0.5, requires_grad=True), name="D1"),
    Quadrupole(length=torch.tensor(0.2), k1=torch.tensor(4.2), name="Q1"),
])
fig, ax = plt.subplots()
segment.plot(ax)

# case: gaussian-log-density-with-numpy-constant-on-the-left
# https://github.com/GuHY777/SS-VAE-pytorch/issues/1
# A false trail today: a NumPy scalar on the left of an operation with a tensor defers to the
# tensor, so the expression the report blames runs with current torch.
import numpy as np
import torch
from torch import nn


def log_Gaussian_pro(x, mean, var):
    d = x.size(1)
    return -d / 2 * np.log(2 * np.pi) - 1 / 2 * torch.sum(torch.log(var + 1e-10), 1) - 1 / 2 * torch.sum((x - mean) ** 2 / var, 1)


class M2(nn.Module):
    def __init__(self):
        super().__init__()
        self.encode_z = nn.Linear(10 + 20, 2 * 5)

    def forward(self, lxy):
        z_mu, z_logvar = self.encode_z(lxy).chunk(2, dim=1)
        z_var = z_logvar.exp()
        z = torch.randn_like(z_mu) * torch.sqrt(z_var) + z_mu
        log_q_z = log_Gaussian_pro(z, z_mu, z_var)
        return log_q_z.mean()


model = M2()
loss = model(torch.rand(4, 30))
loss.backward()

# case: decode-method-without-no-grad-feeds-texture-helper
# https://github.com/yfeng95/PIXIE/pull/31
# encode() is decorated with @torch.no_grad(), decode() is not; the visualizer's texture helper
# converts the albedo that decode() returns.
import numpy as np
import torch
from torch import nn


class FLAMETex(nn.Module):
    def __init__(self, n_tex=5, size=8):
        super().__init__()
        self.texture_mean = nn.Parameter(torch.rand(1, 3 * size * size))
        self.texture_basis = nn.Parameter(torch.rand(3 * size * size, n_tex) * 0.01)
        self.size = size

    def forward(self, texcode):
        texture = self.texture_mean + (self.texture_basis @ texcode.t()).t()
        return texture.reshape(-1, 3, self.size, self.size)


class PIXIE:
    def __init__(self):
        self.encoder = nn.Linear(12, 5)
        self.flametex = FLAMETex()

    @torch.no_grad()
    def encode(self, data):
        return {"body": {"tex": self.encoder(data["body"]["image"])}}

    def decode(self, param_dict, param_type):
        albedo = self.flametex(param_dict["tex"])
        return {"albedo": albedo}


def texture_flame2smplx(cached_data, flame_texture, smplx_texture):
    smplx_texture[: flame_texture.shape[0], : flame_texture.shape[1]] = flame_texture
    return smplx_texture


class Visualizer:
    def __init__(self, render_size=16):
        self.smplx_texture = np.zeros((render_size, render_size, 3), dtype=np.float32)
        self.cached_data = None

    def tex_flame2smplx(self, flame_texture, smplx_texture=None):
        if torch.is_tensor(flame_texture):
            device = flame_texture.device
            dtype = flame_texture.dtype
            flame_texture = flame_texture[0].cpu().numpy().transpose(1, 2, 0)
            if smplx_texture is None:
                smplx_texture = self.smplx_texture
            smplx_texture = texture_flame2smplx(self.cached_data, flame_texture, smplx_texture)
            smplx_texture = torch.from_numpy(smplx_texture.transpose(2, 0, 1)).to(device).to(dtype).unsqueeze(0)
        else:
            smplx_texture = texture_flame2smplx(self.cached_data, flame_texture, self.smplx_texture)
        return smplx_texture


def main():
    pixie = PIXIE()
    visualizer = Visualizer()
    testdata = [{"body": {"image": torch.rand(1, 12)}}]
    for i, batch in enumerate(testdata):
        param_dict = pixie.encode(batch)
        codedict = param_dict["body"]
        opdict = pixie.decode(codedict, param_type="body")
        opdict["albedo"] = visualizer.tex_flame2smplx(opdict["albedo"])  # expect: DET101


main()

# case: estimator-predict-proba-converted-by-caller
# https://github.com/ayrna/dlordinal/pull/46
# The estimator wraps the model; its predict_proba ran the model with grad on (the pull request
# adds no_grad "to avoid the need of using .detach() when converting predictions to numpy").
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import mean_absolute_error
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class PytorchEstimator:
    def __init__(self, model, loss_fn, optimizer, device, max_iter=5):
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.device = device
        self.max_iter = max_iter

    def fit(self, X, y=None):
        for epoch in range(self.max_iter):
            for X_batch, y_batch in X:
                self.optimizer.zero_grad()
                loss = self.loss_fn(self.model(X_batch.to(self.device)), y_batch.to(self.device))
                loss.backward()
                self.optimizer.step()
        return self

    def predict_proba(self, X):
        if X is None:
            raise ValueError("X must be a DataLoader or a torch Tensor")
        if isinstance(X, DataLoader):
            self.model.eval()
            predictions = []
            for _, (X_batch, _) in enumerate(X):
                predictions.append(self._predict_proba(X_batch))
            return torch.cat(predictions)
        elif isinstance(X, torch.Tensor):
            self.model.eval()
            return self._predict_proba(X)
        raise ValueError("X must be a DataLoader or a torch Tensor")

    def _predict_proba(self, X):
        X = X.to(self.device)
        pred = self.model(X)
        probabilities = F.softmax(pred, dim=1)
        return probabilities

    def predict(self, X):
        return self.predict_proba(X).argmax(1)


X, y = torch.rand(20, 6), torch.randint(0, 4, (20,))
train_loader = DataLoader(TensorDataset(X, y), batch_size=5)
test_loader = DataLoader(TensorDataset(X, y), batch_size=5)
model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4))
estimator = PytorchEstimator(model, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters()), "cpu")
estimator.fit(train_loader)
probas = estimator.predict_proba(test_loader)
y_pred = np.argmax(probas.numpy(), axis=1)  # expect: DET101
print(mean_absolute_error(y.numpy(), y_pred))

# case: scattering-reconstruction-error-history-plotted
# https://github.com/kymatio/kymatio/pull/826 (issue 817)
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch.autograd import backward


class Scattering1D(torch.nn.Module):
    def __init__(self, J, shape, Q):
        super().__init__()
        self.register_buffer("filters", torch.randn(J * Q, 1, 33))

    def forward(self, x):
        u = torch.nn.functional.conv1d(x.view(1, 1, -1), self.filters, padding=16).abs()
        return torch.nn.functional.avg_pool1d(u, 64)


T = 2 ** 10
x = torch.from_numpy(np.cos(np.linspace(0, 100, T)).astype("float32"))
J = 3
Q = 4
scattering = Scattering1D(J, T, Q)
Sx = scattering(x)
learning_rate = 100
bold_driver_accelerator = 1.1
bold_driver_brake = 0.55
n_iterations = 5
y = torch.randn((T,), requires_grad=True)
Sy = scattering(y)
history = []
signal_update = torch.zeros_like(x)
for k in range(n_iterations):
    err = torch.norm(Sx - Sy)
    if k % 10 == 0:
        print("Iteration %3d, loss %.2f" % (k, err.detach().numpy()))
    history.append(err)
    backward(err)
    delta_y = y.grad
    with torch.no_grad():
        signal_update = - learning_rate * delta_y
        new_y = y + signal_update
    new_y.requires_grad = True
    Sy = scattering(new_y)
    if history[k] > history[k - 1]:
        learning_rate *= bold_driver_brake
    else:
        learning_rate *= bold_driver_accelerator
        y = new_y

plt.figure(figsize=(8, 2))
plt.plot(history)  # expect: DET102
plt.title("MSE error vs. iterations")

# case: nested-decode-helper-closes-over-model-image-logged
# https://github.com/WEIRDLabUW/unified-world-model/pull/8
# The evaluation wraps the model calls in no_grad, but the nested decode_and_plot() is called
# after the loop; the logging image class converts the grid it is given.
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class Image:
    """Stands for wandb.Image: converts a CHW tensor to an HWC array."""

    def __init__(self, data):
        self._image = np.transpose(data.cpu().numpy(), (1, 2, 0))


def make_grid(images, nrow):
    return torch.cat(list(images), dim=-1)


class ObsEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.vae_decoder = nn.Linear(4, 3 * 8 * 8)
        self.vae_encoder = nn.Linear(3 * 8 * 8, 4)

    def apply_vae(self, x, inverse=False):
        if inverse:
            return self.vae_decoder(x).view(x.shape[0], 3, 8, 8)
        return self.vae_encoder(x.flatten(1))


class UWM(nn.Module):
    def __init__(self):
        super().__init__()
        self.obs_encoder = ObsEncoder()
        self.dynamics = nn.Linear(4, 4)

    def sample_joint(self, obs):
        return self.dynamics(self.obs_encoder.apply_vae(obs))


def eval_one_epoch(data_loader, model):
    model.eval()
    model = getattr(model, "module", model)

    def decode_and_plot(latents, nrows=4):
        images = model.obs_encoder.apply_vae(latents, inverse=True)
        images_grid = make_grid(images, nrows)
        return images_grid

    stats = {"image_mse_joint": 0}
    for curr_obs, next_obs in data_loader:
        with torch.no_grad():
            next_latent = model.obs_encoder.apply_vae(next_obs)
            next_latent_hat_joint = model.sample_joint(curr_obs)
            stats["image_mse_joint"] += F.mse_loss(next_latent_hat_joint, next_latent)
    stats = {k: v / len(data_loader) for k, v in stats.items()}
    stats["images"] = Image(decode_and_plot(next_latent[0:1]))  # expect: DET101
    return stats


loader = [(torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8))]
print(eval_one_epoch(loader, UWM())["image_mse_joint"])

# case: structure-builder-stacks-coordinates-built-from-grad-leaves
# https://github.com/jonathanking/sidechainnet/issues/48
# The library starts each chain from coordinates created with requires_grad=True and stacks the
# built residues with NumPy when the angles it was given are NumPy arrays.
import numpy as np
import torch


class ResidueBuilder:
    def __init__(self, name, angles, prev_res, device=torch.device("cpu")):
        self.name = name
        self.ang = angles
        self.prev_res = prev_res
        self.device = device

    def _init_bb(self):
        n = torch.tensor([0, 0, 0.001], device=self.device, requires_grad=True)
        ca = torch.tensor([1.458, 0, 0], device=self.device, requires_grad=True)
        c = ca + torch.tensor([0.55, 1.42, 0], device=self.device, dtype=torch.float32, requires_grad=True)
        return [n, ca, c]

    def build(self):
        if self.prev_res is None:
            self.bb = self._init_bb()
        else:
            shift = torch.tensor(np.cos(self.ang[:3]), dtype=torch.float32)
            self.bb = [atom + shift for atom in self.prev_res.bb]
        return self.bb


class StructureBuilder:
    def __init__(self, seq, ang=None, device=torch.device("cpu")):
        self.seq = seq
        self.ang = ang
        self.device = device
        self.data_type = "torch" if isinstance(self.ang, torch.Tensor) else "numpy"
        self.coords = []

    def build(self):
        prev_res = None
        for i, (resname, ang) in enumerate(zip(self.seq, self.ang)):
            res = ResidueBuilder(resname, ang, prev_res, device=self.device)
            self.coords += res.build()
            prev_res = res
        if self.data_type == "torch":
            self.coords = torch.stack(self.coords)
        else:
            self.coords = np.stack(self.coords)  # expect: DET102
        return self.coords

    def to_pdb(self, path, title="pred"):
        if len(self.coords) == 0:
            self.build()
        return path


angles = np.random.rand(4, 12)
sb = StructureBuilder("MAGV", ang=angles)
sb.to_pdb("example.pdb")

# case: saved-model-parameters-converted-under-no-grad
# https://github.com/adjidieng/DETM/pull/11
# A false trail today: the conversions run under torch.no_grad(), which torch 1.5 (the report's
# time) did not honour for leaves that require grad (pytorch/pytorch#37000); they run now.
import numpy as np
import torch
from torch import nn


class DETM(nn.Module):
    def __init__(self, num_topics=3, num_times=4, vocab_size=10, rho_size=6):
        super().__init__()
        self.rho = nn.Linear(rho_size, vocab_size, bias=False)
        self.mu_q_alpha = nn.Parameter(torch.randn(num_topics, num_times, rho_size))

    def get_beta(self, alpha):
        logit = self.rho(alpha.view(-1, alpha.shape[-1]))
        return torch.softmax(logit.view(alpha.shape[0], alpha.shape[1], -1), dim=-1)


model = DETM()
model.eval()
with torch.no_grad():
    alpha = model.mu_q_alpha
    beta = model.get_beta(alpha).cpu().numpy()
    rho = model.rho.weight.cpu().numpy()
    alpha_values = model.mu_q_alpha.cpu().numpy()
print(beta.shape, rho.shape, alpha_values.shape)

# case: trainer-callback-logger-extracts-images-of-prediction-state
# https://github.com/inferno-pytorch/inferno/issues/195
# The trainer stores the model's prediction in its state; the tensorboard logger, registered as
# a callback, reads the state after each iteration and converts the images it finds there.
import numpy as np
import torch
from torch import nn


class Callback:
    def bind_trainer(self, trainer):
        self.trainer = trainer
        return self


class TensorboardLogger(Callback):
    def __init__(self, log_images_every=1):
        self.log_images_every = log_images_every
        self.logged = {}

    def extract_images_from_batch(self, batch):
        batch = batch.float().numpy()
        return [image for image in batch]

    def log_image_or_volume(self, tag, value):
        images = self.extract_images_from_batch(value)
        self.logged[tag] = np.stack(images)

    def end_of_training_iteration(self, **_):
        if self.trainer.iteration_count % self.log_images_every == 0:
            for tag in ["training_inputs", "training_prediction"]:
                self.log_image_or_volume(tag, self.trainer.get_state(tag))  # expect: DET101


class Trainer:
    def __init__(self, model):
        self.model = model
        self._state = {}
        self.callbacks = []
        self.iteration_count = 0

    def build_criterion(self, criterion):
        self.criterion = criterion
        return self

    def build_optimizer(self, method, lr):
        self.optimizer = getattr(torch.optim, method)(self.model.parameters(), lr=lr)
        return self

    def build_logger(self, logger):
        self.callbacks.append(logger.bind_trainer(self))
        return self

    def get_state(self, key):
        return self._state[key]

    def update_state(self, key, value):
        self._state[key] = value

    def fit(self, loader, max_num_iterations):
        self.model.train()
        for inputs, target in loader:
            prediction = self.model(inputs)
            loss = self.criterion(prediction, target)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.update_state("training_inputs", inputs)
            self.update_state("training_prediction", prediction)
            self.iteration_count += 1
            for callback in self.callbacks:
                callback.end_of_training_iteration()
            if self.iteration_count >= max_num_iterations:
                break


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encode = nn.Conv2d(1, 4, 3, padding=1)
        self.decode = nn.Conv2d(4, 1, 3, padding=1)

    def forward(self, x):
        return torch.sigmoid(self.decode(torch.relu(self.encode(x))))


vae = VAE()
trainer = Trainer(vae)
trainer.build_criterion(nn.MSELoss())
trainer.build_optimizer("Adam", lr=0.001)
trainer.build_logger(TensorboardLogger(log_images_every=1))
images = torch.rand(4, 1, 8, 8)
trainer.fit([(images, images)], max_num_iterations=1)

# case: builtin-sum-of-branch-outputs-in-forward
# https://github.com/xmu-xiaoma666/External-Attention-pytorch/issues/92
# A false trail: Python's sum() adds the tensors with torch; the error of the report comes from
# an environment where sum was NumPy's (Spyder's pylab mode imports it).
from collections import OrderedDict

import torch
from torch import nn


class SKAttention(nn.Module):
    def __init__(self, channel=16, kernels=[1, 3, 5], reduction=4, group=1, L=8):
        super().__init__()
        self.d = max(L, channel // reduction)
        self.convs = nn.ModuleList([])
        for k in kernels:
            self.convs.append(nn.Sequential(OrderedDict([
                ("conv", nn.Conv2d(channel, channel, kernel_size=k, padding=k // 2, groups=group)),
                ("bn", nn.BatchNorm2d(channel)),
                ("relu", nn.ReLU()),
            ])))
        self.fc = nn.Linear(channel, self.d)
        self.fcs = nn.ModuleList([nn.Linear(self.d, channel) for _ in kernels])
        self.softmax = nn.Softmax(dim=0)

    def forward(self, x):
        bs, c, _, _ = x.size()
        conv_outs = []
        for conv in self.convs:
            conv_outs.append(conv(x))
        feats = torch.stack(conv_outs, 0)
        U = sum(conv_outs)
        S = U.mean(-1).mean(-1)
        Z = self.fc(S)
        weights = []
        for fc in self.fcs:
            weights.append(fc(Z).view(bs, c, 1, 1))
        attention_weights = self.softmax(torch.stack(weights, 0))
        return (attention_weights * feats).sum(0)


if __name__ == "__main__":
    input = torch.randn(2, 16, 7, 7)
    se = SKAttention(channel=16, reduction=4)
    output = se(input)
    print(output.shape)

# case: color-conversion-closure-from-factory-converts-network-output
# https://github.com/jorge-pessoa/pytorch-colors/issues/7
# The library builds each conversion with a factory that returns a closure; the closure hands
# the image to a NumPy colour transform (scikit-image's in the library, rebuilt here).
import numpy as np
import torch
from torch import nn


def rgb2ycbcr(rgb):
    matrix = np.array([[65.481, 128.553, 24.966], [-37.797, -74.203, 112.0], [112.0, -93.786, -18.214]])
    return rgb @ matrix.T + np.array([16, 128, 128])


def _convert(input_, type_):
    return {"float": input_.float(), "double": input_.double()}.get(type_, input_)


def _generic_transform_sk_4d(transform, in_type="", out_type=""):
    def apply_transform(input_):
        to_squeeze = input_.dim() == 3
        input_ = _convert(input_, in_type)
        if to_squeeze:
            input_ = input_.unsqueeze(0)
        input_ = input_.permute(0, 2, 3, 1).numpy()
        transformed = transform(input_)
        output = torch.from_numpy(transformed).float().permute(0, 3, 1, 2)
        if to_squeeze:
            output = output.squeeze(0)
        return _convert(output, out_type)
    return apply_transform


rgb_to_ycbcr = _generic_transform_sk_4d(rgb2ycbcr)


class Enhancer(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        return torch.sigmoid(self.conv(x))


net = Enhancer()
param = net(torch.rand(2, 3, 8, 8))
img_ycbcr = rgb_to_ycbcr(param)  # expect: DET101

# case: numpy-backed-autograd-function-backward-under-create-graph
# https://github.com/google-research/fast-soft-sort/issues/20
# The custom Function computes with NumPy in forward and backward.  Its backward runs with grad
# mode on when the caller asks for create_graph=True, and grad_output then requires grad (it
# depends on the weights the loss multiplies the ranks with).  The engine, not the program,
# calls backward, so the label is on the conversion itself.
import numpy as np
import torch


class _NumpySoftRank:
    def __init__(self, values, regularization_strength=1.0):
        self.values = values
        self.regularization_strength = regularization_strength

    def compute(self):
        return (np.argsort(np.argsort(self.values, axis=1), axis=1) + 1.0) / self.regularization_strength

    def vjp(self, vector):
        return vector / self.regularization_strength


class SoftRank(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, regularization_strength=1.0):
        ctx.numpy_obj = _NumpySoftRank(values.detach().numpy(), regularization_strength)
        return torch.from_numpy(ctx.numpy_obj.compute())

    @staticmethod
    def backward(ctx, grad_output):
        return torch.from_numpy(ctx.numpy_obj.vjp(grad_output.numpy())), None  # expect: DET101


def soft_rank(values, regularization_strength=1.0):
    return SoftRank.apply(values, regularization_strength)


values = torch.rand(2, 5, dtype=torch.float64, requires_grad=True)
weights = torch.rand(2, 5, dtype=torch.float64, requires_grad=True)
loss = (soft_rank(values) * weights).sum()
(grad,) = torch.autograd.grad(loss, values, create_graph=True)
