"""The one error every Green Button reader raises."""

from __future__ import annotations


class GreenButtonError(ValueError):
    """The file is not a Green Button file we can read, or breaks one of our limits.

    The message names where (the element and its line, the CSV line, the zip member) and
    says what is wrong, in words an end user can act on.
    """

    def __init__(self, message: str, *, where: str | None = None, line: int | None = None):
        self.where = where
        self.line = line
        prefix = where or ""
        if line is not None:
            prefix = f"{prefix} (line {line})" if prefix else f"line {line}"
        super().__init__(f"{prefix}: {message}" if prefix else message)
