"""Envelope encryption for the secrets Gridlink must be able to read back (see vault.py)."""

from gridlink.kit.vault.rotation import RewrapReport, data_keys_per_master_key, rewrap_all
from gridlink.kit.vault.vault import (
    Owner,
    SealedRef,
    SealedValueMissing,
    SealOnly,
    Vault,
    VaultError,
)

__all__ = [
    "Owner",
    "RewrapReport",
    "SealOnly",
    "SealedRef",
    "SealedValueMissing",
    "Vault",
    "VaultError",
    "data_keys_per_master_key",
    "rewrap_all",
]
