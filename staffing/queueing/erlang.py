"""Exact, vectorised queueing formulas: Erlang B, Erlang C (M/M/n) and Erlang A (M/M/n+M).

Every function is a pure numpy function that broadcasts over arrays of intervals; no
pandas, no files. All formulas are evaluated through the regularised incomplete gamma
function (``scipy.special``) in log space, so nothing overflows: results are exact to
float precision for loads of many tens of thousands of Erlangs, and the number of
agents may be fractional (the continuous extension of Erlang B through the gamma
function, Jagerman 1974), which the fractional requirement uses.

Conventions
-----------
``agents`` is the number of agents taking calls (``n``, >= 0, may be fractional),
``load_erlangs`` the offered load ``A = calls * aht_seconds / (60 * interval_minutes)``,
``aht_seconds`` the mean handle time, ``answer_seconds`` the answer-time target ``T`` and
``patience_seconds`` the mean caller patience ``1 / theta``. Service levels and
probabilities are fractions in [0, 1].

Defined results at the edges, never exceptions: zero load needs zero agents and has
service level 1, P(wait) 0, ASA 0; with Erlang C, ``agents <= load`` is an unstable
queue: service level 0, P(wait) 1, ASA ``inf``, occupancy 1.

This module is the public import path; the formulas live in
:mod:`staffing.queueing.erlang_c` (Erlang B and C), :mod:`staffing.queueing.erlang_a`
(Erlang A) and :mod:`staffing.queueing.staffing_search` (:func:`required_agents`).

References
----------
A. K. Erlang (1917); G. Jagerman, "Some properties of the Erlang loss function", Bell
System Technical Journal 53 (1974); O. Garnett, A. Mandelbaum, M. Reiman, "Designing a
call center with impatient customers", M&SOM 4(3) (2002); A. Mandelbaum, S. Zeltyn,
"The Palm/Erlang-A queue, with applications to call centers" (2007 lecture notes).
"""

from __future__ import annotations

from staffing.queueing._numerics import ArrayLike, FloatArray
from staffing.queueing.erlang_a import ErlangAMetrics, erlang_a
from staffing.queueing.erlang_c import (
    asa_seconds,
    erlang_b,
    erlang_c,
    occupancy,
    offered_load,
    service_level,
)
from staffing.queueing.staffing_search import Model, StaffingRequirement, required_agents

__all__ = [
    "ArrayLike",
    "ErlangAMetrics",
    "FloatArray",
    "Model",
    "StaffingRequirement",
    "asa_seconds",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "offered_load",
    "required_agents",
    "service_level",
]
