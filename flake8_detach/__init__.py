"""flake8-detach: find tensor-to-NumPy conversions that raise because the tensor requires grad."""

__version__ = "0.1.0"
# Where the project lives: the README's rule pages and the pre-commit hooks are found there.
REPOSITORY_URL = "https://github.com/flake8-detach/flake8-detach"
