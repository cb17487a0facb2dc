import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import accuracy_score, roc_auc_score

model = torch.nn.Linear(8, 2)
model.eval()
features = torch.randn(100, 8)
labels = torch.randint(0, 2, (100,))

scores = F.softmax(model(features), dim=-1)
predictions = scores.argmax(dim=-1).numpy()
print("accuracy", accuracy_score(labels.numpy(), predictions))
print("auc", roc_auc_score(labels.numpy(), scores[:, 1].numpy()))

with torch.no_grad():
    calibrated = torch.sigmoid(model(features)[:, 1])
    print("mean confidence", np.mean(calibrated.numpy()))
