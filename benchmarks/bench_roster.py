"""Benchmark of ``staffing.roster.build_roster`` on synthetic weeks (15-min intervals).

Sizes from issue 4: 50 agents (peak ~40, target <= 10 s), 150 agents (peak ~120,
<= 60 s, coverage objective within 2% of the proven lower bound), 300 agents (peak
~170, <= 180 s); every roster verified by the independent checker; HiGHS vs CBC.
The baseline measured in the same process is the stage-1 LP-relaxation lower bound
(the gap column is the ratio against it).

Run: ``python benchmarks/bench_roster.py [--solvers highs,cbc] [--sizes 50,150,300]``
"""

from __future__ import annotations

import argparse
import os
import time

from staffing.roster import RosterRules, build_roster, check_roster, synthetic_instance

SIZES = {50: (40.0, 10.0), 150: (120.0, 60.0), 300: (170.0, 180.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--solvers", default="highs,cbc")
    parser.add_argument("--sizes", default="50,150,300")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rules = RosterRules()
    print(f"load average before: {os.getloadavg()}")
    print("| agents | peak | solver | time limit s | wall s | objective | lower bound | gap | under h | "
          "peak under h | over h | checker violations | status |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        peak, limit = SIZES[size]
        inst = synthetic_instance(size, peak, seed=args.seed)
        for solver in args.solvers.split(","):
            began = time.perf_counter()
            result = build_roster(inst.requirements, inst.agents, rules, inst.week_start,
                                  solver=solver, time_limit=limit)  # type: ignore[arg-type]
            wall = time.perf_counter() - began
            violations = check_roster(result.roster, inst.agents, rules, inst.week_start)
            print(f"| {size} | {peak:g} | {solver} | {limit:g} | {wall:.1f} | {result.coverage_objective:.1f} | "
                  f"{result.lower_bound:.1f} | {result.gap:.1%} | {result.under_agent_hours:.1f} | "
                  f"{result.under_peak_agent_hours:.1f} | {result.over_agent_hours:.1f} | {len(violations)} | "
                  f"{result.status.value} |", flush=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
