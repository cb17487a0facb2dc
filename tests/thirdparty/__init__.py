"""Stand-ins for third-party libraries, for case programs (tests/cases/evidence.py).

The checker reads one file at a time, so what these modules define is invisible to it, as a
library's code is; the run-time oracle imports them and runs the real behaviour.  Each object
imitates a shape met in real projects.
"""
