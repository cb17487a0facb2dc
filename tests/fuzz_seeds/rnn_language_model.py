import math

import numpy as np
import torch
import torch.nn as nn


class CharRNN(nn.Module):
    def __init__(self, vocab: int, hidden: int = 64) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens, state=None):
        out, state = self.rnn(self.embed(tokens), state)
        return self.head(out), state


vocab = 30
model = CharRNN(vocab)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
text = torch.randint(0, vocab, (8, 40))
perplexities = []
for step in range(20):
    logits, _ = model(text[:, :-1])
    loss = nn.functional.cross_entropy(logits.reshape(-1, vocab), text[:, 1:].reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    perplexities.append(math.exp(loss.item()))

hidden_norms = [p.norm() for p in model.parameters()]
print(np.mean(perplexities), np.max(hidden_norms))
