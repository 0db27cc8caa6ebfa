"""Gridlink: a self-hosted Connect for utility data.

The public surface is small: ``create_app`` builds the ASGI app, ``Settings`` configures it.
Everything else is reached through the HTTP API and the ``gridlink`` command.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Settings", "__version__", "create_app"]

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gridlink.app import create_app
    from gridlink.config import Settings


def __getattr__(name: str) -> Any:
    """``create_app`` and ``Settings`` on first use: the app (every router, model and connector)
    takes about a second to import and ``Settings`` brings pydantic, neither of which
    ``gridlink --version`` (nor anything importing ``gridlink.cli``) needs."""
    if name == "create_app":
        from gridlink.app import create_app

        return create_app
    if name == "Settings":
        from gridlink.config import Settings

        return Settings
    raise AttributeError(f"module 'gridlink' has no attribute {name!r}")
