"""Green Button files: the ESPI XML a utility's "Download My Data" gives, the common CSV
downloads, and ``.zip`` files holding them, read into the connector models.

A pure library like :mod:`gridlink.connectors`: no database, no HTTP. The upload endpoint and
the Connect My Data connector (later steps of issue 14) hand bytes to :func:`parse` and store
the :class:`ParsedFile` it returns. Everything wrong with a file raises
:class:`GreenButtonError`, whose message names the element or line.
"""

from gridlink.greenbutton.errors import GreenButtonError
from gridlink.greenbutton.limits import Limits
from gridlink.greenbutton.model import ParsedFile, ParsedMeter
from gridlink.greenbutton.reader import parse

__all__ = ["GreenButtonError", "Limits", "ParsedFile", "ParsedMeter", "parse"]
