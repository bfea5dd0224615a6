"""The one place that decides whether a user may run a job (model, quota, input size).

Placeholder until the billing issue lands: allows everything. The signatures are the
contract enhance.services and the worker call; keep them.
"""

from dataclasses import dataclass


class PolicyRefusal(Exception):
    """The plan does not allow this job. `reason` is shown to the user (HTTP 402)."""

    def __init__(self, reason: str, upgrade_url: str = "/billing/pricing/"):
        self.reason = reason
        self.upgrade_url = upgrade_url
        super().__init__(reason)


@dataclass(frozen=True)
class Admission:
    priority: int = 0  # higher runs first


def admit(user, model_id: str, *, width: int, height: int) -> Admission:
    """Called inside the transaction that creates the Job row; counts usage atomically.

    Raises PolicyRefusal when the plan forbids the model, the quota is used up or
    the input is too large."""
    return Admission()


def recheck_at_claim(user, model_id: str, *, width: int, height: int) -> None:
    """Called by the worker when it claims a job (a plan may have lapsed since submit)."""
