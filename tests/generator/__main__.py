"""``python -m tests.generator``: see ``driver.py``."""

import sys

from .driver import main

sys.exit(main())
