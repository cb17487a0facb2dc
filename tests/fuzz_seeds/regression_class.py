import numpy as np
import pandas as pd
import torch


class Regressor:
    def __init__(self, dim: int) -> None:
        self.w = torch.zeros(dim, requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)
        self.lr = 0.05

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w + self.b

    def fit(self, x: torch.Tensor, y: torch.Tensor, epochs: int = 50) -> None:
        for _ in range(epochs):
            loss = ((self.predict(x) - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                self.w -= self.lr * self.w.grad
                self.b -= self.lr * self.b.grad
                self.w.grad.zero_()
                self.b.grad.zero_()

    def coefficients(self) -> np.ndarray:
        return self.w.numpy()

    def report(self, x: torch.Tensor) -> pd.DataFrame:
        return pd.DataFrame({"prediction": self.predict(x)})


x = torch.randn(200, 3)
y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.3
reg = Regressor(3)
reg.fit(x, y)
print(reg.coefficients())
print(reg.report(x).head())
