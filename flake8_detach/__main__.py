"""``python -m flake8_detach``: the same as the ``flake8-detach`` command."""

import sys

from flake8_detach.frontends.cli import main

if __name__ == "__main__":
    sys.exit(main())
