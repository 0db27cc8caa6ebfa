"""The demo's backend drives real connections, so it runs with the engine's fast worker."""

from tests.attempts.conftest import api, app, settings  # noqa: F401
