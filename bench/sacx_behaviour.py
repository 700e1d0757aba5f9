"""What SAC-X's intentions do on the block-world lift, read back from the experience store (issue 5).

For each run, a DuckDB query over its stored steps gives, per window of env steps and per acting
policy (each training intention's tag, and the evaluation episodes), the share of steps on which the
sparse `reach`, `touch` and `lift` channels were 1. The evaluation of `cairn:lift` runs the main
intention alone from the start of an episode, while in training the scheduler chains intentions
within an episode (a switch every ξ steps). Rows marked "(episode start)" are the training steps
before the first switch, where an intention acts from the initial state as in the evaluation.

A second query asks whether each intention, when it opens an episode, brings the gripper to the block:
the distance from the pinch point to block 0 at the episode's first step and at the last step before the
first switch (step ξ − 1), and the share of those segments that end within 5 cm; the evaluation episodes
(the main intention's mean action) at the same step.

    python bench/sacx_behaviour.py                       # the benchmark's v2 runs → results/sacx-behaviour.json
    python bench/sacx_behaviour.py RUN [RUN ...] --window 20000
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from cairn.envs.blocks import observation_layout
from cairn.store import Store

HERE = Path(__file__).resolve().parent
CHANNELS = ("reach", "touch", "lift")
DEFAULT_RUNS = ["bench-sacx-sacx-v2-s0", "bench-sacx-sacx-v2-s1", "bench-sacx-sacx-v2-s2"]
# 1-based DuckDB indices of block 0's gripper-to-block vector in the block world's observation
_to_block = observation_layout()["block0/from_gripper"]
TO_BLOCK = tuple(range(_to_block.start + 1, _to_block.stop + 1))
NEAR = 0.05  # metres


def behaviour(con, run_id: str, window: int, runs: list[dict]) -> dict:
    """Rows (window start, policy, steps, share of steps with each sparse channel at 1) of one run;
    ``con``: the store's DuckDB connection (``Store.connect``), ``runs``: its catalogue."""
    info = next(r for r in runs if r["run_id"] == run_id)
    names = list(info["reward_names"])
    missing = [c for c in CHANNELS if c not in names]
    if missing:
        raise SystemExit(f"run {run_id} has no reward channel(s) {missing} (channels: {names}); "
                         "pick a block-world run")
    config = json.loads(info["config"]) if info.get("config") else {}
    xi = int(config.get("sacx", {}).get("switch_every", 0) or 0)  # training steps before the first switch
    shares = ", ".join(f"avg(CASE WHEN reward[{names.index(c) + 1}] > 0.5 THEN 1.0 ELSE 0.0 END) AS {c}"
                       for c in CHANNELS)
    rows = con.execute(
        f"""SELECT (env_step // {window}) * {window} AS start,
                   CASE WHEN is_eval THEN 'evaluation'
                        WHEN step < {xi} THEN policy || ' (episode start)' ELSE policy END AS policy,
                   count(*) AS steps, {shares}
            FROM steps WHERE run_id = ? GROUP BY ALL ORDER BY start, policy""", [run_id]).fetchall()
    dist = "sqrt(" + " + ".join(f"observation[{i}] ^ 2" for i in TO_BLOCK) + ")"
    last = max(xi, 1) - 1
    # the opening segment ends where the policy tag first changes (at step ξ, or earlier with --sacx.switch-min);
    # evaluation episodes (one policy throughout) are read at the same step ξ − 1 as the longest segment
    approach = con.execute(
        f"""WITH s AS (SELECT episode, is_eval, step, env_step, policy, {dist} AS d
                       FROM steps WHERE run_id = ? AND step < {max(xi, 1)}),
            o AS (SELECT episode, is_eval, min(env_step) AS t, any_value(policy) FILTER (WHERE step = 0) AS policy
                  FROM s GROUP BY episode, is_eval),
            sw AS (SELECT o.episode, o.is_eval, o.t, o.policy,
                          coalesce(min(s.step) FILTER (WHERE s.policy <> o.policy), {max(xi, 1)}) AS switch
                   FROM o JOIN s USING (episode, is_eval) GROUP BY ALL),
            ep AS (SELECT sw.episode, sw.is_eval, sw.t, sw.policy, sw.switch,
                          any_value(s.d) FILTER (WHERE s.step = 0) AS d0,
                          any_value(s.d) FILTER (WHERE s.step = sw.switch - 1) AS d1
                   FROM sw JOIN s USING (episode, is_eval) GROUP BY ALL)
            SELECT (t // {window}) * {window} AS start, CASE WHEN is_eval THEN 'evaluation' ELSE policy END AS who,
                   count(*), avg(d0), avg(d1), avg(CASE WHEN d1 < {NEAR} THEN 1.0 ELSE 0.0 END), avg(switch)
            FROM ep WHERE d1 IS NOT NULL AND (is_eval OR policy LIKE 'sacx/%')
            GROUP BY ALL ORDER BY start, who""", [run_id]).fetchall()
    return {"run_id": run_id, "run_name": info["run_name"], "env_steps": info["env_steps"], "first_switch": last,
            "approach": [{"start": int(r[0]), "policy": r[1], "episodes": int(r[2]), "distance_start": round(r[3], 3),
                          "distance_at_switch": round(r[4], 3), "near": round(r[5], 3),
                          "segment": round(r[6], 1)} for r in approach],
            "rows": [{"start": int(r[0]), "policy": r[1], "steps": int(r[2]),
                      **{c: round(float(v), 4) for c, v in zip(CHANNELS, r[3:])}} for r in rows]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="*", default=DEFAULT_RUNS, help="run ids or names (default: SAC-X v2 seeds)")
    ap.add_argument("--window", type=int, default=40_000, help="env steps per row")
    ap.add_argument("--store", default=str(HERE / "results" / "store"))
    ap.add_argument("--out", default=str(HERE / "results" / "sacx-behaviour.json"))
    args = ap.parse_args()
    store = Store(args.store)
    runs = store.runs()
    con = store.connect(runs)  # one set of views over the store's shards for every run
    out = {"date": time.strftime("%Y-%m-%d"), "window": args.window, "channels": list(CHANNELS), "runs": []}
    for selector in args.runs:
        ids = [r["run_id"] for r in runs if selector in (r["run_id"], r["run_name"])]
        if not ids:
            print(f"skipped {selector}: not in {args.store}")
            continue
        result = behaviour(con, ids[-1], args.window, runs)
        out["runs"].append(result)
        print(f"{result['run_name']} ({result['run_id']}, {result['env_steps']} env steps)")
        for r in result["rows"]:
            print(f"  {r['start'] // 1000:4d}k {r['policy']:22s} {r['steps']:7d} steps  "
                  + "  ".join(f"{c} {r[c]:.3f}" for c in CHANNELS))
        print(f"  opening segments: distance to block 0 at step 0 → step {result['first_switch']}, share within {NEAR} m")
        for r in result["approach"]:
            print(f"  {r['start'] // 1000:4d}k {r['policy']:22s} {r['episodes']:5d} episodes  {r['distance_start']:.3f} → "
                  f"{r['distance_at_switch']:.3f} m  near {r['near']:.2f}")
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
