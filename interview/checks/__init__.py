"""The registered checks. Adding a check means adding its module and one line in `build_checks`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from interview.checks.base import Check

if TYPE_CHECKING:
    from interview.config import AnalysisConfig


def build_checks(config: AnalysisConfig) -> list[Check]:
    """Fresh check instances for one session, in report order."""
    from interview.checks.deepfake.check import DeepfakeCheck
    from interview.checks.identity.check import IdentityCheck
    from interview.checks.liveness.check import LivenessCheck
    from interview.checks.relay.check import RelayCheck

    return [LivenessCheck(config), IdentityCheck(config), DeepfakeCheck(config), RelayCheck(config)]
