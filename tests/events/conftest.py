# The webhook fixtures (a live receiver, dispatchers) serve the replay tests here too.
from tests.webhooks.conftest import make_dispatcher, receiver

__all__ = ["make_dispatcher", "receiver"]
