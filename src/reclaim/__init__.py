"""Reclaim: help for people whose intimate images were shared without consent.

The packages under ``reclaim`` (apart from ``reclaim.web`` and ``reclaim.cli``) are the
framework-free core: plain, typed Python that never imports Django.
"""

import os

# PDQ's only matrix products are 64 x 256 (reclaim.hashing._pdq). On them OpenBLAS's thread
# pool costs far more than it saves: 0.3 ms on one thread, 15 to 80 ms on two beside other
# busy processes (a web server's other requests, a test run's other workers). It is read
# once, when NumPy first loads, which is after this package loads. A value already set wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
