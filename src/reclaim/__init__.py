"""Reclaim: help for people whose intimate images were shared without consent.

The packages under ``reclaim`` (apart from ``reclaim.web`` and ``reclaim.cli``) are the
framework-free core: plain, typed Python that never imports Django.
"""

__version__ = "0.1.0"
