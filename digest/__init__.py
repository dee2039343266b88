"""digest: turns the day's news into a short, trustworthy email."""

from __future__ import annotations

__version__ = "0.1.0"
