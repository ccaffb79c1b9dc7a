"""Weekly roster optimiser: named-agent shifts with breaks, rest and fairness rules.

Entry point :func:`build_roster`; rules in :class:`RosterRules` (the ``roster:``
config section); independent verification in :func:`check_roster`.
"""

from staffing.roster.build import build_roster, capacity_check
from staffing.roster.checker import Violation, check_roster, recompute_coverage
from staffing.roster.config import (
    BreakRule,
    ObjectiveWeights,
    PeakWeights,
    RosterRules,
    RosterSection,
    SolverSettings,
)
from staffing.roster.instances import RosterInstance, synthetic_instance
from staffing.roster.service import ServiceCurves
from staffing.roster.service_terms import ServiceReport
from staffing.roster.types import (
    AgentContract,
    BentRule,
    CapacityCheck,
    RosterResult,
    RosterStatus,
    StageReport,
)

__all__ = [
    "AgentContract",
    "BentRule",
    "BreakRule",
    "CapacityCheck",
    "ObjectiveWeights",
    "PeakWeights",
    "RosterInstance",
    "RosterResult",
    "RosterRules",
    "RosterSection",
    "RosterStatus",
    "ServiceCurves",
    "ServiceReport",
    "SolverSettings",
    "StageReport",
    "Violation",
    "build_roster",
    "capacity_check",
    "check_roster",
    "recompute_coverage",
    "synthetic_instance",
]
