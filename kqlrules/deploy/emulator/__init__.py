"""A local ARM emulator for Azure Monitor and Sentinel rules: for tests and offline demos."""

from __future__ import annotations

from kqlrules.deploy.emulator.credential import EmulatorCredential
from kqlrules.deploy.emulator.server import ArmEmulator

__all__ = ["ArmEmulator", "EmulatorCredential"]
