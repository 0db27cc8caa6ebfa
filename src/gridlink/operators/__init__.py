"""Operators: the people who run Gridlink and sign in to its dashboard (/dashboard)."""
