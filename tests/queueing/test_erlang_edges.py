"""Edge cases, invariants and invalid input of ``staffing.queueing.erlang`` and ``staffing.queueing.requirements``."""

from __future__ import annotations

import mpmath
import numpy as np
import pandas as pd
import pytest
from _erlang_reference import erlang_a_chain, erlang_c_mp, required_scalar
from pydantic import ValidationError

from staffing.errors import InvalidArgumentError
from staffing.queueing import erlang
from staffing.queueing.requirements import ServiceTargets, interval_requirements


def test_zero_calls_need_zero_agents_and_have_perfect_service() -> None:
    for model, extra in (("erlang-c", {}), ("erlang-a", {"patience_seconds": 60.0})):
        req = erlang.required_agents([0.0, 0.0], 300, 15, target_sl=0.8, answer_seconds=0.0, model=model,
                                     shrinkage=0.3, **extra)  # type: ignore[arg-type]
        assert list(req.agents) == [0.0, 0.0]
        assert list(req.service_level) == [1.0, 1.0] and list(req.asa_seconds) == [0.0, 0.0]


def test_answer_time_zero_is_one_minus_p_wait() -> None:
    # With T = 0 "answered within T" means "not queued": SL = 1 - C(n, A).
    assert float(erlang.service_level(14, 10.0, 180.0, 0.0)) == pytest.approx(1 - float(erlang.erlang_c(14, 10.0)))
    req = erlang.required_agents(100, 180, 30, target_sl=0.8, answer_seconds=0.0)
    assert float(erlang.erlang_c(req.agents_net, 10.0)) <= 0.2 < float(erlang.erlang_c(req.agents_net - 1, 10.0))


@pytest.mark.parametrize("n", [0, 5, 9.5, 10])
def test_agents_at_or_below_load_are_defined(n: float) -> None:
    # Erlang C has no steady state when n <= A: every call waits and the wait is unbounded.
    assert float(erlang.service_level(n, 10.0, 180.0, 20.0)) == 0.0
    assert float(erlang.erlang_c(n, 10.0)) == 1.0
    assert float(erlang.asa_seconds(n, 10.0, 180.0)) == np.inf
    assert float(erlang.occupancy(n, 10.0)) == 1.0


def test_whole_number_load_and_one_more_agent() -> None:
    # A = 10 exactly with n = 11: C = n B / (n - A(1 - B)) is finite (no division by zero).
    c = float(erlang.erlang_c(11, 10.0))
    assert 0.0 < c < 1.0
    assert np.isfinite(float(erlang.asa_seconds(11, 10.0, 180.0)))


def test_shrinkage_rounding_rule() -> None:
    # 90% answered without queueing at 10 Erlangs needs 16 on the phones (the stepping
    # reference in tests/_erlang_reference.py); 16 / (1 - 0.3) = 22.86 -> 23 scheduled.
    req = erlang.required_agents(100, 180, 30, target_sl=0.9, answer_seconds=0, shrinkage=0.3)
    assert req.agents_net == required_scalar(10.0, 180.0, 0.0, 0.9, None, None) == 16
    assert req.agents == 23
    # An exact multiple is not rounded up by float error: 21 / (1 - 0.3) is 30 in real numbers
    # but 30.000000000000004 in floats, whose plain ceil would be 31.
    assert 21 / (1 - 0.3) > 30
    net = erlang.required_agents(164, 180, 30, target_sl=0.8, answer_seconds=20).agents_net
    assert net == required_scalar(164 * 180 / 1800, 180.0, 20.0, 0.8, None, None) == 21
    assert erlang.required_agents(164, 180, 30, target_sl=0.8, answer_seconds=20, shrinkage=0.3).agents == 30


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"calls": -1.0}, "calls"),
        ({"aht_seconds": 0.0}, "aht_seconds"),
        ({"interval_minutes": 0.0}, "interval_minutes"),
        ({"target_sl": 1.0}, "target_sl"),
        ({"target_sl": 0.0}, "target_sl"),
        ({"shrinkage": 1.0}, "shrinkage"),
        ({"shrinkage": -0.1}, "shrinkage"),
        ({"answer_seconds": -5.0}, "answer_seconds"),
        ({"max_occupancy": 1.5}, "max_occupancy"),
        ({"model": "erlang-a"}, "patience_seconds"),
        ({"max_abandon": 0.05}, "max_abandon"),
    ],
)
def test_invalid_input_names_the_argument(kwargs: dict[str, object], name: str) -> None:
    args = {"calls": 100.0, "aht_seconds": 180.0, "interval_minutes": 30.0}
    call = {k: kwargs.pop(k) for k in list(kwargs) if k in args}
    args.update(call)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError) as info:
        erlang.required_agents(args["calls"], args["aht_seconds"], args["interval_minutes"], **kwargs)  # type: ignore[arg-type]
    assert info.value.name == name
    assert name in str(info.value)


def test_invariants_on_random_intervals() -> None:
    rng = np.random.default_rng(11)
    load = rng.gamma(2.0, 15.0, 300)
    aht = rng.uniform(100, 500, 300)
    previous = np.zeros(300)
    for n in range(0, 120, 3):
        sl = erlang.service_level(n, load, aht, 20.0)
        a = erlang.erlang_a(n, load, aht, 90.0, 20.0)
        for p in (sl, erlang.erlang_c(n, load), a.prob_wait, a.prob_abandon, a.service_level, a.service_level_answered,
                  erlang.occupancy(n, load), a.occupancy):
            assert np.all((p >= 0) & (p <= 1))
        assert np.all(sl >= previous - 1e-15)  # SL never falls when agents are added
        previous = sl


@pytest.mark.parametrize(
    "targets",
    [
        {"target_sl": 0.8, "answer_seconds": 20},
        {"target_sl": 0.95, "answer_seconds": 10, "max_occupancy": 0.8},
        {"target_sl": 0.6, "answer_seconds": 30, "max_asa_seconds": 8.0},
        {"target_sl": 0.8, "answer_seconds": 20, "model": "erlang-a", "patience_seconds": 60.0, "max_abandon": 0.02},
        {"target_sl": 0.8, "answer_seconds": 20, "model": "erlang-a", "patience_seconds": 200.0},
    ],
)
def test_required_n_meets_every_target_and_n_minus_1_misses_one(targets: dict[str, object]) -> None:
    rng = np.random.default_rng(5)
    calls = rng.gamma(2.0, 80.0, 200)
    aht = rng.uniform(120, 420, 200)
    req = erlang.required_agents(calls, aht, 15, **targets)  # type: ignore[arg-type]
    load = calls * aht / 900

    def figures(n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if targets.get("model") == "erlang-a":
            m = erlang.erlang_a(n, load, aht, targets["patience_seconds"], targets["answer_seconds"])  # type: ignore[arg-type]
            return m.service_level, m.asa_seconds, m.occupancy, m.prob_abandon
        return (erlang.service_level(n, load, aht, targets["answer_seconds"]),  # type: ignore[arg-type]
                erlang.asa_seconds(n, load, aht), erlang.occupancy(n, load), np.zeros_like(load))

    def meets(n: np.ndarray) -> np.ndarray:
        sl, asa, occ, ab = figures(n)
        ok = sl >= float(targets["target_sl"]) - 1e-12  # type: ignore[arg-type]
        if "max_asa_seconds" in targets:
            ok &= asa <= float(targets["max_asa_seconds"]) + 1e-9  # type: ignore[arg-type]
        if "max_occupancy" in targets:
            ok &= occ <= float(targets["max_occupancy"]) + 1e-12  # type: ignore[arg-type]
        if "max_abandon" in targets:
            ok &= ab <= float(targets["max_abandon"]) + 1e-12  # type: ignore[arg-type]
        return ok

    n = req.agents_net
    assert meets(n).all()
    assert not meets(np.maximum(n - 1, 0))[n > 0].any()
    frac = erlang.required_agents(calls, aht, 15, fractional=True, **targets)  # type: ignore[arg-type]
    assert np.all((frac.agents_net <= n) & (frac.agents_net > n - 1))
    assert meets(frac.agents_net).all()


def test_erlang_a_needs_fewer_agents_than_erlang_c() -> None:
    # 100 calls x 180 s in 30 min = 10 Erlangs, 80% within 20 s.
    # Erlang C from the 40-digit mpmath sum (_erlang_reference.erlang_c_mp), SL = 1 - C e^{-(n-A) 20/180}:
    # n = 13 gives SL 0.79559 < 0.8, n = 14 gives 0.88835: 14 agents.
    # Erlang A, patience 120 s, from the truncated birth-death chain (_erlang_reference.erlang_a_chain),
    # SL of offered calls: n = 11 gives 0.74221 < 0.8, n = 12 gives 0.82558: 12 agents.
    c = erlang.required_agents(100, 180, 30, target_sl=0.8, answer_seconds=20)
    a = erlang.required_agents(100, 180, 30, target_sl=0.8, answer_seconds=20, model="erlang-a", patience_seconds=120)
    assert float(c.agents_net) == 14.0
    assert float(a.agents_net) == 12.0
    assert a.agents_net < c.agents_net
    # The boundaries above, recomputed from the references (n - 1 misses the target, n meets it).
    for n, meets in ((13, False), (14, True)):
        sl_c = 1 - erlang_c_mp(n, 10) * mpmath.exp(-(n - 10) * mpmath.mpf(20) / 180)
        assert (sl_c >= 0.8) is meets
    for n, meets in ((11, False), (12, True)):
        assert (erlang_a_chain(n, 10.0, 180.0, 120.0, 20.0)[2] >= 0.8) is meets


def test_service_targets_validation() -> None:
    with pytest.raises(ValidationError, match="patience_seconds"):
        ServiceTargets(model="erlang-a")
    with pytest.raises(ValidationError, match="max_abandon"):
        ServiceTargets(max_abandon=0.05)
    with pytest.raises(ValidationError):
        ServiceTargets(target_sl=0.8, colour="red")  # type: ignore[call-arg]


def test_interval_requirements_table() -> None:
    starts = pd.date_range("2026-03-02 08:00", periods=4, freq="30min")
    frame = pd.DataFrame({"interval_start": starts, "calls": [0.0, 100.0, 100.0, 10.0],
                          "aht_seconds": [np.nan, 180.0, 180.0, 180.0]})
    table = interval_requirements(frame, ServiceTargets(target_sl=0.8, answer_seconds=20, shrinkage=0.3))
    assert list(table.columns) == ["interval_start", "calls", "aht_seconds", "load_erlangs", "agents",
                                   "service_level", "asa_seconds", "occupancy"]
    # 14 on the phones (textbook case) / 0.7 = 20 agents; closed interval (no AHT) needs 0.
    assert list(table["agents"]) == [0.0, 20.0, 20.0, float(np.ceil(erlang.required_agents(10, 180, 30).agents_net / 0.7 - 1e-9))]
    table_a = interval_requirements(frame, ServiceTargets(model="erlang-a", patience_seconds=120))
    assert "prob_abandon" in table_a.columns


def test_array_of_targets_in_one_call_equals_one_call_per_target() -> None:
    calls = np.array([20.0, 100.0, 400.0])
    targets = np.array([0.6, 0.7, 0.8, 0.9, 0.95])
    together = erlang.required_agents(np.tile(calls, targets.size), 180, 30,
                                      target_sl=np.repeat(targets, calls.size), answer_seconds=20)
    one_by_one = np.concatenate([erlang.required_agents(calls, 180, 30, target_sl=float(t)).agents for t in targets])
    np.testing.assert_array_equal(together.agents, one_by_one)
    with pytest.raises(InvalidArgumentError, match=r"target_sl=1\.5"):
        erlang.required_agents(calls, 180, 30, target_sl=np.array([0.8, 1.5, 0.9]))
