# A method's result is known from torch's own API or from the method's body in the file, never
# from its name: a model's decode, sample, generate, greedy_decode, beam_search or predict_classes
# can return a float tensor that requires grad.  Each helper below converts what a method of its
# parameter returns: the file cannot tell (DET103); given a model whose parameters require grad,
# it raises.

# case: helper-converts-model-decode
import torch
import torch.nn as nn


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.dec = nn.Linear(2, 16)

    def decode(self, z):
        return torch.sigmoid(self.dec(z))


def decode_grid(vae, z):
    return vae.decode(z).numpy()  # expect: DET103


images = decode_grid(VAE().requires_grad_(False), torch.randn(9, 2))

# case: helper-converts-model-decode-detached
import torch
import torch.nn as nn


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.dec = nn.Linear(2, 16)

    def decode(self, z):
        return torch.sigmoid(self.dec(z))


def decode_grid(vae, z):
    return vae.decode(z).detach().numpy()


images = decode_grid(VAE(), torch.randn(9, 2))

# case: helper-converts-model-sample
import torch
import torch.nn as nn


class Flow(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(2))

    def sample(self, n):
        return torch.randn(n, 2) * self.scale


def sample_points(flow, n):
    return flow.sample(n).numpy()  # expect: DET103


points = sample_points(Flow().requires_grad_(False), 100)

# case: helper-converts-model-generate
import torch
import torch.nn as nn


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 16)

    def generate(self, z):
        return torch.tanh(self.fc(z))


def fake_images(generator, z):
    return generator.generate(z).numpy()  # expect: DET103


fakes = fake_images(Generator().requires_grad_(False), torch.randn(8, 4))

# case: helper-converts-model-greedy-decode-scores
import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(4, 6)

    def greedy_decode(self, state, steps):
        scores = [torch.log_softmax(self.out(state), dim=-1).max(dim=-1).values for _ in range(steps)]
        return torch.stack(scores, dim=1)


def step_scores(decoder, state):
    return decoder.greedy_decode(state, 3).numpy()  # expect: DET103


scores = step_scores(Decoder().requires_grad_(False), torch.randn(2, 4))

# case: helper-converts-model-beam-search-scores
import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(4, 6)

    def beam_search(self, state, width):
        return torch.log_softmax(self.out(state), dim=-1).topk(width, dim=-1).values


def beam_scores(decoder, state):
    return decoder.beam_search(state, 3).numpy()  # expect: DET103


scores = beam_scores(Decoder().requires_grad_(False), torch.randn(2, 4))

# case: helper-converts-model-predict-classes-probabilities
import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def predict_classes(self, x):
        return torch.softmax(self.fc(x), dim=-1)


def class_probabilities(classifier, x):
    return classifier.predict_classes(x).numpy()  # expect: DET103


probabilities = class_probabilities(Classifier().requires_grad_(False), torch.randn(5, 4))

# case: model-decode-in-the-file-converted
# The class body is in the file: decode returns what a Linear layer computes.
import torch
import torch.nn as nn


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.dec = nn.Linear(2, 16)

    def decode(self, z):
        return torch.sigmoid(self.dec(z))


vae = VAE()
images = vae.decode(torch.randn(9, 2)).numpy()  # expect: DET101

# case: model-guessed-from-train
# Methods only torch modules have mark their receiver as a module: its output requires grad.
import copy

import torch
import torch.nn as nn

model = copy.deepcopy(nn.Linear(3, 1))
model.train()
outputs = model(torch.rand(2, 3)).numpy()  # expect: DET101

# case: model-guessed-from-zero-grad
import copy

import torch
import torch.nn as nn

model = copy.deepcopy(nn.Linear(3, 1))
model.zero_grad()
outputs = model(torch.rand(2, 3)).numpy()  # expect: DET101

# case: model-guessed-from-load-state-dict
import copy

import torch
import torch.nn as nn

model = copy.deepcopy(nn.Linear(3, 1))
model.load_state_dict(nn.Linear(3, 1).state_dict())
outputs = model(torch.rand(2, 3)).numpy()  # expect: DET101
