"""The request budget per utility, shared by every worker: ADR 0017."""
