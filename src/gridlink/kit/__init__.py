"""Shared building blocks used by every domain: database, clock, tokens, redaction, logging."""
