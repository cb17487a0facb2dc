# Programs rebuilt from public bug reports in which users hit
# "RuntimeError: Can't call numpy() on Tensor that requires grad": losses and metrics kept as
# tensors (in lists, dicts, attributes, returned tuples), then summed, averaged or plotted.
# Each case starts with the address of its report.  Data, datasets and pretrained models are
# replaced by torch.rand tensors and small modules of the same structure; the shape of the
# user's code (helpers, classes, loops, library calls) is kept.
# Labels follow tests/cases/interprocedural.py: the line that raises, or, when a helper of the
# program converts what it is given, the call that hands it the tensor that requires grad.

# case: fedgen-server-sums-client-test-losses
# https://github.com/zhuangdizhu/FedGen/issues/1 (also issues/15)
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return {"output": F.log_softmax(self.fc(x), dim=1)}


class User:
    def __init__(self, user_id, model, test_data):
        self.id = user_id
        self.model = copy.deepcopy(model)
        self.testloaderfull = [test_data]
        self.loss = nn.NLLLoss()

    def test(self):
        self.model.eval()
        test_acc = 0
        loss = 0
        for x, y in self.testloaderfull:
            output = self.model(x)["output"]
            loss += self.loss(output, y)
            test_acc += (torch.sum(torch.argmax(output, dim=1) == y)).item()
        return test_acc, loss, y.shape[0]


class Server:
    def __init__(self, model, users):
        self.model = copy.deepcopy(model)
        self.users = users
        self.metrics = {"glob_acc": [], "glob_loss": []}

    def test(self):
        num_samples, tot_correct, losses = [], [], []
        for c in self.users:
            ct, c_loss, ns = c.test()
            tot_correct.append(ct * 1.0)
            num_samples.append(ns)
            losses.append(c_loss)
        ids = [c.id for c in self.users]
        return ids, num_samples, tot_correct, losses

    def evaluate(self, save=True):
        test_ids, test_samples, test_accs, test_losses = self.test()
        glob_acc = np.sum(test_accs) * 1.0 / np.sum(test_samples)
        glob_loss = np.sum([x * y for (x, y) in zip(test_samples, test_losses)]).item() / np.sum(test_samples)  # expect: DET102
        if save:
            self.metrics["glob_acc"].append(glob_acc)
            self.metrics["glob_loss"].append(glob_loss)
        print("Average Global Accuracy = {:.4f}, Loss = {:.2f}.".format(glob_acc, glob_loss))


model = Net()
users = [User(i, model, (torch.rand(10, 8), torch.randint(0, 4, (10,)))) for i in range(3)]
server = Server(model, users)
server.evaluate()

# case: dqn-cost-history-plotted-by-method
# https://github.com/ClownW/Reinforcement-learning-with-PyTorch/issues/3
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, n_feature, n_hidden, n_output):
        super().__init__()
        self.el = nn.Linear(n_feature, n_hidden)
        self.q = nn.Linear(n_hidden, n_output)

    def forward(self, x):
        return self.q(F.relu(self.el(x)))


class DeepQNetwork:
    def __init__(self, n_actions, n_features, n_hidden=20, learning_rate=0.01, reward_decay=0.9,
                 memory_size=50, batch_size=8):
        self.n_actions = n_actions
        self.n_features = n_features
        self.n_hidden = n_hidden
        self.lr = learning_rate
        self.gamma = reward_decay
        self.memory_size = memory_size
        self.batch_size = batch_size
        self.memory = np.random.rand(memory_size, n_features * 2 + 2)
        self.memory[:, n_features] = np.random.randint(0, n_actions, memory_size)
        self.loss_func = nn.MSELoss()
        self.cost_his = []
        self._build_net()

    def _build_net(self):
        self.q_eval = Net(self.n_features, self.n_hidden, self.n_actions)
        self.q_target = Net(self.n_features, self.n_hidden, self.n_actions)
        self.optimizer = torch.optim.RMSprop(self.q_eval.parameters(), lr=self.lr)

    def learn(self):
        sample_index = np.random.choice(self.memory_size, size=self.batch_size)
        batch_memory = self.memory[sample_index, :]
        q_next = self.q_target(torch.Tensor(batch_memory[:, -self.n_features:]))
        q_eval = self.q_eval(torch.Tensor(batch_memory[:, :self.n_features]))
        q_target = torch.Tensor(q_eval.data.numpy().copy())
        batch_index = np.arange(self.batch_size, dtype=np.int32)
        eval_act_index = batch_memory[:, self.n_features].astype(int)
        reward = torch.Tensor(batch_memory[:, self.n_features + 1])
        q_target[batch_index, eval_act_index] = reward + self.gamma * torch.max(q_next, 1)[0]
        loss = self.loss_func(q_eval, q_target)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.cost_his.append(loss)

    def plot_cost(self):
        plt.plot(np.arange(len(self.cost_his)), self.cost_his)  # expect: DET102
        plt.ylabel("Cost")
        plt.xlabel("training steps")
        plt.show()


dqn = DeepQNetwork(4, 2)
for step in range(5):
    dqn.learn()
dqn.plot_cost()

# case: mnist-two-layer-losses-plotted
# https://github.com/DeepReinforcementLearning/DeepReinforcementLearningInAction/issues/42
import numpy as np
import torch
from matplotlib import pyplot as plt


def nn(x, w1, w2):
    l1 = x @ w1
    l1 = torch.relu(l1)
    l2 = l1 @ w2
    return l2


w1 = torch.randn(784, 200, requires_grad=True)
w2 = torch.randn(200, 10, requires_grad=True)
train_data = torch.randint(0, 255, (60, 28, 28), dtype=torch.uint8)
train_labels = torch.randint(0, 10, (60,))

lr = 0.0001
epochs = 5
batch_size = 16
losses = []
lossfn = torch.nn.CrossEntropyLoss()
for i in range(epochs):
    rid = np.random.randint(0, train_data.shape[0], size=batch_size)
    x = train_data[rid].float().flatten(start_dim=1)
    x /= x.max()
    pred = nn(x, w1, w2)
    target = train_labels[rid]
    loss = lossfn(pred, target)
    losses.append(loss)
    loss.backward()
    with torch.no_grad():
        w1 -= lr * w1.grad
        w2 -= lr * w2.grad

plt.figure(figsize=(10, 7))
plt.xlabel("Training Time", fontsize=22)
plt.ylabel("Loss", fontsize=22)
plt.plot(losses)  # expect: DET102

# case: mlp-with-parameters-fit-returns-loss-plotted
# https://github.com/arthurdouillard/deepcourse/issues/11
import matplotlib.pyplot as plt
import torch
from torch.nn import Parameter


def softmax(x):
    maximum_value = x.max(dim=1, keepdims=True)[0]
    e = torch.exp(x - maximum_value)
    return e / e.sum(dim=1, keepdims=True)


def cross_entropy(probs, targets):
    return -torch.sum(targets * torch.log(probs + 1e-8), dim=1)


class MLP:
    def __init__(self, input_size, hidden_size, nb_classes, learning_rate=0.01):
        self.w_hidden = Parameter(torch.randn(input_size, hidden_size).float())
        self.b_hidden = Parameter(torch.zeros(hidden_size).float())
        self.w_output = Parameter(torch.randn(hidden_size, nb_classes).float())
        self.b_output = Parameter(torch.zeros(nb_classes).float())
        self.learning_rate = learning_rate

    def forward(self, x):
        h_tilde = torch.mm(x, self.w_hidden) + self.b_hidden
        h = torch.tanh(h_tilde)
        logits = torch.mm(h, self.w_output) + self.b_output
        return logits, h_tilde, h

    def fit(self, inputs, targets, train=True):
        logits, *outputs = self.forward(inputs)
        probs = softmax(logits)
        loss = cross_entropy(probs, torch.eye(10)[targets]).mean()
        if train:
            self.backward(inputs, probs, targets, loss, *outputs)
        return loss

    def backward(self, inputs, probs, targets, loss, h_tilde, h):
        loss.backward()
        for p in (self.w_hidden, self.b_hidden, self.w_output, self.b_output):
            p.data -= self.learning_rate * p.grad
            p.grad.zero_()

    def accuracy(self, inputs, targets):
        y_pred = self.forward(inputs)[0].argmax(dim=1)
        return torch.mean((y_pred == targets).float())


X = torch.rand(64, 20)
Y = torch.randint(0, 10, (64,))
model = MLP(X.shape[1], 50, len(torch.unique(Y)), 0.1)
batch_size = 32
nb_epochs = 3
epochs, accuracies, losses = [], [], []
for epoch in range(nb_epochs):
    for batch_index in range(0, len(X), batch_size):
        batch_X = X[batch_index:batch_index + batch_size]
        batch_Y = Y[batch_index:batch_index + batch_size]
        model.fit(batch_X, batch_Y)
    loss = model.fit(X, Y, train=False)
    acc = model.accuracy(X, Y)
    print(f"Epoch: {epoch}, loss: {loss}, accuracy: {acc}")
    epochs.append(epoch)
    losses.append(loss)
    accuracies.append(acc)

plt.subplot(1, 2, 1)
plt.plot(epochs, losses)  # expect: DET102
plt.xlabel("Epoch")

# case: losses-per-learning-rate-log10-plotted
# https://github.com/source-separation/tutorial/issues/28
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

LEARNING_RATES = [1e-4, 1e-3, 1e-2]
N_ITERATIONS = 5

m = np.random.randn()
b = np.random.randn()
x = np.linspace(-10, 10, 100)
y = m * x + b + np.random.normal(loc=0, scale=0.1, size=100)
data = torch.from_numpy(x).float().unsqueeze(-1)
target = torch.from_numpy(y).float().unsqueeze(-1)

grad_norms = []
losses = []
for j, lr in enumerate(LEARNING_RATES):
    network = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(network.parameters(), lr=lr)
    grad_norms.append([])
    losses.append([])
    for i in range(N_ITERATIONS):
        optimizer.zero_grad()
        output = network(data)
        loss = nn.functional.l1_loss(output, target)
        loss.backward()
        grad_norm = 0
        for p in network.parameters():
            grad_norm += p.grad.data.norm(2).item() ** 2
        grad_norms[j].append(np.sqrt(grad_norm))
        losses[j].append(loss)
        optimizer.step()

fig, ax = plt.subplots(1, 2, figsize=(15, 5))
for j, lr in enumerate(LEARNING_RATES):
    ax[0].plot(grad_norms[j], label=f"Learning rate: {lr}")
    ax[0].legend()
for j, lr in enumerate(LEARNING_RATES):
    ax[1].plot(np.log10(losses[j]), label=f"Learning rate: {lr}")  # expect: DET102
    ax[1].legend()
plt.show()

# case: results-dict-of-epoch-losses-plot-loss-curves-helper
# https://github.com/mrdbourke/pytorch-deep-learning/issues/583
import matplotlib.pyplot as plt
import torch
from torch import nn


class TinyVGG(nn.Module):
    def __init__(self, input_shape, hidden_units, output_shape):
        super().__init__()
        self.conv_block_1 = nn.Sequential(
            nn.Conv2d(input_shape, hidden_units, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2)
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(hidden_units * 8 * 8, output_shape))

    def forward(self, x):
        return self.classifier(self.conv_block_1(x))


def train_step(model, dataloader, loss_fn, optimizer):
    model.train()
    train_loss, train_acc = 0, 0
    for batch, (X, y) in enumerate(dataloader):
        y_pred = model(X)
        loss = loss_fn(y_pred, y)
        train_loss += loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        y_pred_class = torch.argmax(torch.softmax(y_pred, dim=1), dim=1)
        train_acc += (y_pred_class == y).sum().item() / len(y_pred)
    train_loss = train_loss / len(dataloader)
    train_acc = train_acc / len(dataloader)
    return train_loss, train_acc


def test_step(model, dataloader, loss_fn):
    model.eval()
    test_loss, test_acc = 0, 0
    with torch.inference_mode():
        for batch, (X, y) in enumerate(dataloader):
            test_pred_logits = model(X)
            loss = loss_fn(test_pred_logits, y)
            test_loss += loss.item()
            test_pred_labels = test_pred_logits.argmax(dim=1)
            test_acc += (test_pred_labels == y).sum().item() / len(test_pred_labels)
    return test_loss / len(dataloader), test_acc / len(dataloader)


def train(model, train_dataloader, test_dataloader, optimizer, loss_fn=nn.CrossEntropyLoss(), epochs=5):
    results = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    for epoch in range(epochs):
        train_loss, train_acc = train_step(model, train_dataloader, loss_fn, optimizer)
        test_loss, test_acc = test_step(model, test_dataloader, loss_fn)
        results["train_loss"].append(train_loss)
        results["train_acc"].append(train_acc)
        results["test_loss"].append(test_loss)
        results["test_acc"].append(test_acc)
    return results


def plot_loss_curves(results):
    loss = results["train_loss"]
    test_loss = results["test_loss"]
    accuracy = results["train_acc"]
    test_accuracy = results["test_acc"]
    epochs = range(len(results["train_loss"]))
    plt.figure(figsize=(15, 7))
    plt.subplot(1, 2, 1)
    plt.plot(epochs, loss, label="train_loss")
    plt.plot(epochs, test_loss, label="test_loss")
    plt.subplot(1, 2, 2)
    plt.plot(epochs, accuracy, label="train_accuracy")
    plt.plot(epochs, test_accuracy, label="test_accuracy")


train_dataloader = [(torch.rand(4, 3, 16, 16), torch.randint(0, 3, (4,))) for _ in range(2)]
test_dataloader = [(torch.rand(4, 3, 16, 16), torch.randint(0, 3, (4,)))]
model_0 = TinyVGG(input_shape=3, hidden_units=10, output_shape=3)
optimizer = torch.optim.Adam(params=model_0.parameters(), lr=0.001)
model_0_results = train(model_0, train_dataloader, test_dataloader, optimizer, epochs=2)
plot_loss_curves(model_0_results)  # expect: DET102

# case: training-function-returns-loss-list-plotted
# https://github.com/CIS-522/course-content/pull/2
import matplotlib.pyplot as plt
import torch
import torch.nn as nn


def train(model, x, y, num_epochs, lr=0.01):
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for epoch in range(num_epochs):
        optimizer.zero_grad()
        l = criterion(model(x), y)
        l.backward()
        optimizer.step()
        losses.append(l)
    return losses


num_epochs = 10
net = nn.Sequential(nn.Linear(1, 8), nn.ReLU(), nn.Linear(8, 1))
x = torch.linspace(-1, 1, 32).unsqueeze(1)
y = x ** 2
losses = train(net, x, y, num_epochs)
plt.plot(range(num_epochs), losses)  # expect: DET102
plt.xlabel("epoch")
plt.show()

# case: loaded-model-rate-per-snr-plotted
# https://github.com/w5688414/BFNN/issues/1
import io

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from matplotlib import pyplot as plt


class BFNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.batch_norm_v2 = nn.BatchNorm2d(1)
        self.flatten = nn.Flatten()
        self.batch_norm_v1 = nn.BatchNorm1d(128)
        self.hidden1 = nn.Linear(128, 256)
        self.hidden2 = nn.Linear(256, 128)
        self.hidden3 = nn.Linear(128, 64)

    def forward(self, x, perfect_csi, snr_input):
        x = self.batch_norm_v2(x)
        x = self.flatten(x)
        x = self.batch_norm_v1(x)
        x = F.relu(self.hidden1(x))
        x = F.relu(self.hidden2(x))
        x = self.hidden3(x)
        vrf = torch.cat((torch.cos(x), torch.sin(x)), 1)
        hv = torch.bmm(perfect_csi.view(-1, 1, 128), vrf.view(-1, 128, 1))
        hv = self.flatten(hv)
        tmp_input = torch.as_tensor(1 + snr_input / 64 * torch.pow(torch.abs(hv), 2), dtype=torch.float32)
        rate = torch.log(tmp_input) / torch.log(torch.tensor(2.0, dtype=torch.float32))
        return -rate


h_input = torch.rand(10, 1, 2, 64)
h = torch.rand(10, 128)

# The report loads a pickled model with torch.load(path); a class defined in this program cannot be
# pickled under the test runner, so the saved model goes through TorchScript instead: either way the
# program only sees a module loaded from a file.
checkpoint = io.BytesIO()
torch.jit.save(torch.jit.trace(BFNN().eval(), (h_input, h, torch.ones(10, 1))), checkpoint)
checkpoint.seek(0)
model = torch.jit.load(checkpoint)
model.eval()
rate = []
for snr in range(-20, 25, 5):
    snr_values = torch.from_numpy(np.power(10, np.ones([h.shape[0], 1]) * snr / 10))
    outputs = model(h_input, h, snr_values)
    y = outputs.mean()
    rate.append(-y)
print(rate)
plt.title("The result of BFNN")
plt.plot(range(-20, 25, 5), rate)  # expect: DET102
plt.show()

# case: multi-stage-restoration-losses-summed-with-np-sum
# https://github.com/swz30/MPRNet/issues/112 (the same line on CUDA: issues/91, issues/128)
import numpy as np
import torch
import torch.nn as nn


class CharbonnierLoss(nn.Module):
    def __init__(self, eps=1e-3):
        super().__init__()
        self.eps = eps

    def forward(self, x, y):
        diff = x - y
        return torch.mean(torch.sqrt((diff * diff) + (self.eps * self.eps)))


class MPRNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stage1 = nn.Conv2d(3, 3, 3, padding=1)
        self.stage2 = nn.Conv2d(3, 3, 3, padding=1)
        self.stage3 = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        s1 = self.stage1(x)
        s2 = self.stage2(s1)
        s3 = self.stage3(s2)
        return [s3, s2, s1]


model_restoration = MPRNet()
criterion_char = CharbonnierLoss()
train_loader = [(torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8))]
model_restoration.train()
for i, data in enumerate(train_loader, 0):
    for param in model_restoration.parameters():
        param.grad = None
    target = data[0]
    input_ = data[1]
    restored = model_restoration(input_)
    # Compute loss at each stage (the program stops here in the report; the backward pass that
    # would follow cannot run on NumPy's sum, so it is left out)
    loss_char = np.sum([criterion_char(restored[j], target) for j in range(len(restored))])  # expect: DET102
    print(loss_char)

# case: loss-tuple-from-function-appended-then-plotted-on-axes
# https://github.com/jacbz/Lofi/issues/14
import matplotlib.pyplot as plot
import torch
from torch import nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(6, 8)
        self.chords = nn.Linear(8, 5)
        self.notes = nn.Linear(8, 7)

    def forward(self, x):
        h = torch.relu(self.encoder(x))
        kl = (h ** 2).mean()
        return self.chords(h), self.notes(h), kl


def compute_loss(data):
    pred_chords, pred_notes, kl = model(data["embedding"])
    loss_chords = ce_loss(pred_chords, data["chords"]).mean()
    loss_melody = ce_loss(pred_notes, data["melody_notes"]).mean()
    loss_kl = kl * 1e-2
    loss_total = loss_chords + loss_kl + loss_melody
    tp_chords = (pred_chords.argmax(dim=1) == data["chords"]).tolist()
    return loss_total, loss_chords, loss_kl, loss_melody, tp_chords


if __name__ == "__main__":
    ce_loss = nn.CrossEntropyLoss(reduction="none")
    model = Model()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    dataset = [{"embedding": torch.rand(4, 6), "chords": torch.randint(0, 5, (4,)),
                "melody_notes": torch.randint(0, 7, (4,))} for _ in range(2)]
    epochs = []
    training_losses_chords = []
    validation_losses_chords = []
    for epoch in range(2):
        epochs.append(epoch)
        epoch_training_losses_chords = []
        epoch_validation_losses_chords = []
        model.train()
        for batch, data in enumerate(dataset):
            loss, loss_chords, kl_loss, loss_melody, batch_tp_chords = compute_loss(data)
            epoch_training_losses_chords.append(loss_chords)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss = loss.item()
            print(f"\tBatch {batch}:\tLoss {loss:.3f} (C: {loss_chords:.3f} + KL: {kl_loss:.3f})")
        model.eval()
        for batch, data in enumerate(dataset):
            with torch.no_grad():
                loss, loss_chords, kl_loss, loss_melody, batch_tp_chords = compute_loss(data)
                epoch_validation_losses_chords.append(loss_chords)
        epoch_training_loss_chord = sum(epoch_training_losses_chords) / len(epoch_training_losses_chords)
        epoch_validation_loss_chord = sum(epoch_validation_losses_chords) / len(epoch_validation_losses_chords)
        training_losses_chords.append(epoch_training_loss_chord)
        validation_losses_chords.append(epoch_validation_loss_chord)
        fig, axs = plot.subplots(2, 2, figsize=(8, 4.5))
        axs[0, 0].set_title("Chords loss")
        axs[0, 0].plot(epochs, training_losses_chords, label="Train", color="royalblue")  # expect: DET102
        axs[0, 0].plot(epochs, validation_losses_chords, label="Val", color="royalblue", linestyle="dotted")
        plot.show()
