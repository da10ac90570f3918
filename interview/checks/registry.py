"""The checks a session runs, in report order. Adding a check is its folder under `interview/checks/`
(a `Check` subclass) and one line in CHECKS; an organisation's own check can also be named in
$INTERVIEW_VERIFY_EXTRA_CHECKS ("package.module:ClassName", comma-separated) without editing this file."""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING

from interview.checks.base import Check, SessionInputs
from interview.checks.deepfake.check import DeepfakeCheck
from interview.checks.identity.check import IdentityCheck
from interview.checks.liveness.check import LivenessCheck
from interview.checks.relay.check import RelayCheck

if TYPE_CHECKING:
    from interview.config import AnalysisConfig

CHECKS: tuple[type[Check], ...] = (LivenessCheck, IdentityCheck, DeepfakeCheck, RelayCheck)
EXTRA_CHECKS_ENV = "INTERVIEW_VERIFY_EXTRA_CHECKS"


class CheckRegistryError(ValueError):
    """An extra check named in the environment that cannot be loaded."""


def check_types() -> tuple[type[Check], ...]:
    """The registered checks, then the extra ones named in $INTERVIEW_VERIFY_EXTRA_CHECKS."""
    extra = []
    for spec in filter(None, (s.strip() for s in os.environ.get(EXTRA_CHECKS_ENV, "").split(","))):
        module, _, name = spec.partition(":")
        try:
            extra.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError, ValueError) as exc:
            raise CheckRegistryError(f"{EXTRA_CHECKS_ENV}: cannot load {spec!r} ({exc})") from exc
        if not (isinstance(extra[-1], type) and issubclass(extra[-1], Check)):
            raise CheckRegistryError(f"{EXTRA_CHECKS_ENV}: {spec!r} is not a Check")
    return CHECKS + tuple(extra)


def check_type(name: str) -> type[Check] | None:
    return next((t for t in check_types() if t.name == name), None)


def build_checks(config: AnalysisConfig, inputs: SessionInputs) -> list[Check]:
    """Fresh check instances for one session, in report order."""
    return [check(config, inputs) for check in check_types()]
