"""What SAC-X's intentions do on the block-world lift, read back from the experience store (issue 5).

For each run, a DuckDB query over its stored steps gives, per window of env steps and per acting
policy (each training intention's tag, and the evaluation episodes), the share of steps on which the
sparse `reach`, `touch` and `lift` channels were 1. The evaluation of `cairn:lift` runs the main
intention alone from the start of an episode, while in training the scheduler chains intentions
within an episode (a switch every ξ steps). Rows marked "(episode start)" are the training steps
before the first switch, where an intention acts from the initial state as in the evaluation.

    python bench/sacx_behaviour.py                       # the benchmark's v2 runs → results/sacx-behaviour.json
    python bench/sacx_behaviour.py RUN [RUN ...] --window 20000
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from cairn.store import Store

HERE = Path(__file__).resolve().parent
CHANNELS = ("reach", "touch", "lift")
DEFAULT_RUNS = ["bench-sacx-sacx-v2-s0", "bench-sacx-sacx-v2-s1", "bench-sacx-sacx-v2-s2"]


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
    return {"run_id": run_id, "run_name": info["run_name"], "env_steps": info["env_steps"],
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
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
