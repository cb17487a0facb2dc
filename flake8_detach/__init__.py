"""flake8-detach: find tensor-to-NumPy conversions that raise because the tensor requires grad."""

__version__ = "0.1.0"
