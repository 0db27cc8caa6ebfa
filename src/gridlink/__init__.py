"""Gridlink: a self-hosted Connect for utility data.

The public surface is small: ``create_app`` builds the ASGI app, ``Settings`` configures it.
Everything else is reached through the HTTP API and the ``gridlink`` command.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Settings", "__version__", "create_app"]

from gridlink.app import create_app
from gridlink.config import Settings
