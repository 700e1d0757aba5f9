"""Update throughput of MPO/DMPO against cairn's SAC, in one process, interleaved rounds.

Every learner gets the same replay (cheetah-run sized: 17-dim observations, 6-dim actions) and its
own batch format (SAC: 1-step transitions; MPO/DMPO: 5-step transitions). Networks of equal size:
256×256 for SAC's actor and each of its two critics and for MPO's policy and critic. The MPO
variants make the price of sampling N actions per state explicit: N = 20 with the E-step sharing
the critic's next-state samples (the default), N = 20 sampling separately at s (the paper's
layout), and N = 1 (no sampling cost). Rows with a trace-time switch: DMPO with the critic's first LayerNorm
computed over all N·S rows instead of per state (`cairn.agents.mpo.networks.factored_layer_norm`), and
MPO/DMPO with the N sampled actions through the target critic in one call instead of in chunks
(`networks.sampled_q`), and the target critic's sampled evaluation in float32 instead of DMPO's default
bfloat16 products (`MPOConfig.sample_precision`; and MPO with bfloat16). Rounds alternate between learners so that machine noise hits all of them
alike; the cost is the median over rounds of SAC's updates/s over the learner's in the same round.
Beside the time, each learner's arithmetic per update as XLA counts it (FLOPs of the compiled update):
what N = 20 costs whatever the machine.

    python bench/mpo_speed.py                 # 20 rounds × 100 updates each
    python bench/mpo_speed.py --only "shared E-step" "target samples" retrace traced --out bench/results/mpo_speed_targets.json
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import time
from pathlib import Path

import jax
import numpy as np

from cairn.agents import make_learner
from cairn.agents.mpo import MPOConfig
from cairn.agents.mpo import networks as mpo_networks
from cairn.agents.sac import SACConfig
from cairn.replay import RingBuffer
from cairn.run.config import TrainConfig
from cairn.types import EnvSpec

HERE = Path(__file__).resolve().parent
EQUAL = {"policy_hidden_sizes": (256, 256), "critic_hidden_sizes": (256, 256)}
DMPO = {**EQUAL, "sample_precision": "bfloat16"}  # what dmpo's default `auto` picks on an AVX512-BF16 CPU
VARIANTS = {
    "sac": ("sac", None),
    "sac (LayerNorm critics)": ("sac", SACConfig(critic_layer_norm=True)),
    "mpo (N=20, shared E-step)": ("mpo", MPOConfig(**EQUAL)),
    "dmpo (N=20, shared E-step)": ("dmpo", MPOConfig(**DMPO)),
    # the target critic's sampled evaluation in float32 (dmpo's default before 2026-12-06; mpo's default)
    "dmpo (N=20), float32 target samples": ("dmpo", MPOConfig(**EQUAL)),
    "mpo (N=20), bfloat16 target samples": ("mpo", MPOConfig(**DMPO)),
    "mpo (N=20, E-step at s)": ("mpo", MPOConfig(**EQUAL, estep_states="current")),
    "dmpo (N=20, E-step at s)": ("dmpo", MPOConfig(**DMPO, estep_states="current")),
    "mpo (N=1)": ("mpo", MPOConfig(**EQUAL, num_samples=1)),
    "dmpo (N=1)": ("dmpo", MPOConfig(**DMPO, num_samples=1)),
    "mpo retrace (N=20, L=5)": ("mpo", MPOConfig(**EQUAL, critic_target="retrace")),
    "mpo traced (N=20, L=5)": ("mpo", MPOConfig(**EQUAL, critic_target="traced")),
    "dmpo traced (N=20, L=5)": ("dmpo", MPOConfig(**DMPO, critic_target="traced")),
    "dmpo, 256×3 networks": ("dmpo", MPOConfig(**{**DMPO, "policy_hidden_sizes": (256,) * 3,
                                                  "critic_hidden_sizes": (256,) * 3})),
    # the same update traced with the critic's first LayerNorm over all N·S rows (before 2026-11-24)
    "dmpo (N=20), plain first-layer LayerNorm": ("dmpo", MPOConfig(**DMPO), {"FACTORED_LAYER_NORM": False}),
    # the N sampled actions through the target critic in one call instead of chunks of SAMPLE_CHUNK
    "mpo (N=20), samples in one call": ("mpo", MPOConfig(**EQUAL), {"SAMPLE_CHUNK": None}),
    "dmpo (N=20), samples in one call": ("dmpo", MPOConfig(**DMPO), {"SAMPLE_CHUNK": None}),
}


def cheetah_replay(rng) -> tuple[EnvSpec, RingBuffer]:
    """A cheetah-run sized spec and a replay of 20k random transitions."""
    spec = EnvSpec("dmc:cheetah-run", 17, 6)
    buf = RingBuffer(20_000, 17, 6)
    for t in range(20_000):
        buf.add(rng.standard_normal(17), rng.uniform(-1, 1, 6), [rng.random()], 1.0, rng.standard_normal(17),
                t % 1000 == 999, -5.0)
    return spec, buf


@contextlib.contextmanager
def switched(module, flag: str, value):
    """``module.flag`` set to ``value`` inside the block (for functions traced there) and restored after:
    the trace-time switches (``FACTORED_LAYER_NORM``, ``CLOSED_FORM``, ``NARROW_GRADIENT``) that the
    benchmarks time side by side."""
    before = getattr(module, flag)
    setattr(module, flag, value)
    try:
        yield
    finally:
        setattr(module, flag, before)


def update_flops(learner, state, batch) -> float:
    """Floating-point operations of one compiled update, as XLA's cost analysis counts them (matrix
    products and elementwise work): the arithmetic each learner must do, whatever the machine. Counted on
    a fresh trace with the sampled actions in one call: the analysis counts a loop's body once."""
    fresh = jax.jit(lambda s, b: learner.update.__wrapped__(s, b))  # a new function: its own trace
    with switched(mpo_networks, "SAMPLE_CHUNK", None):
        cost = fresh.lower(state, batch).compile().cost_analysis()
    return float((cost[0] if isinstance(cost, list) else cost)["flops"])


def build(agent: str, section, spec: EnvSpec):
    """The learner ``agent`` for ``spec`` with the config section ``section`` (None: the defaults)."""
    cfg = TrainConfig(spec.env_id, agent=agent, **({agent: section} if section else {}))
    section = getattr(cfg, agent)
    if hasattr(section, "resolved"):
        cfg = dataclasses.replace(cfg, **{agent: section.resolved(cfg.env_id)})
    return make_learner(agent, spec, cfg)


def timed_rounds(learners: dict, buf, rng, rounds: int, updates: int):
    """Interleaved rounds: each entry [learner, state, ..., rates] of ``learners`` in turn runs ``updates``
    updates on fresh batches; its state moves on and its updates/s is appended to ``rates`` (the last item)."""
    for r in range(rounds):
        for name, entry in learners.items():
            learner, state = entry[0], entry[1]
            batches = [learner.sample_batch(buf, rng) for _ in range(updates)]
            t = time.perf_counter()
            for b in batches:
                state, m = learner.update(state, b)
            jax.block_until_ready(m)
            entry[1] = state
            entry[-1].append(updates / (time.perf_counter() - t))
        print(f"round {r + 1}: " + ", ".join(f"{n} {e[-1][-1]:.0f}/s" for n, e in learners.items()), flush=True)


def measure(variants: dict, rounds: int, updates: int, replay=cheetah_replay) -> dict:
    """Median updates/s of every variant (agent, section) over interleaved rounds; SAC's time as the unit.
    ``replay(rng) -> (spec, buffer)`` gives the env sizes and the data every learner samples from."""
    rng = np.random.default_rng(0)
    spec, buf = replay(rng)
    learners = {}
    for name, (agent, section, *trace_opts) in variants.items():
        learner = build(agent, section, spec)
        state = learner.init(jax.random.PRNGKey(0))
        t = time.perf_counter()
        with contextlib.ExitStack() as switches:  # trace-time switches of cairn.agents.mpo.networks, read
            for flag, value in (trace_opts[0] if trace_opts else {}).items():  # while the update is traced (now)
                switches.enter_context(switched(mpo_networks, flag, value))
            batch = learner.sample_batch(buf, rng)
            work = update_flops(learner, state, batch)
            state, m = learner.update(state, batch)
        jax.block_until_ready(m)
        learners[name] = [learner, state, time.perf_counter() - t, work, []]
        print(f"compiled {name} in {learners[name][2]:.1f}s", flush=True)
    timed_rounds(learners, buf, rng, rounds, updates)
    rows = []
    for name, e in learners.items():
        ups = float(np.median(e[-1]))
        # Each round's ratio pairs a learner with SAC's round seconds apart, so slow drifts of the
        # machine's speed cancel; the median over rounds is the reported cost.
        ratios = np.asarray(learners["sac"][-1]) / np.asarray(e[-1])
        cost = float(np.median(ratios))
        rows.append({"learner": name, "updates_per_second": round(ups, 1), "cost_vs_sac": round(cost, 2),
                     "cost_quartiles": [round(float(q), 2) for q in np.percentile(ratios, [25, 75])],
                     "mflop_per_update": round(e[3] / 1e6, 1),
                     "flop_vs_sac": round(e[3] / learners["sac"][3], 2), "compile_seconds": round(e[2], 1)})
        print(f"{name:30s} {ups:7.1f} updates/s  {cost:5.2f}× SAC's time per update, "
              f"{e[3] / learners['sac'][3]:4.2f}× its arithmetic "
              f"(rounds' quartiles {np.percentile(ratios, 25):.2f}–{np.percentile(ratios, 75):.2f})")
    return {"date": time.strftime("%Y-%m-%d"),
            "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
            "cores_used": len(os.sched_getaffinity(0)), "xla_flags": os.environ.get("XLA_FLAGS", ""),
            "rounds": rounds, "updates_per_round": updates, "rows": rows}


def main(variants=None, out_name="mpo_speed.json", doc=__doc__):
    """The command line of this script and of the ones that measure other learners against SAC."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--updates", type=int, default=100)
    ap.add_argument("--out", default=str(HERE / "results" / out_name))
    ap.add_argument("--conditions", default="", help="what else the machine was doing, written with the numbers")
    ap.add_argument("--only", nargs="+", default=None,
                    help="time only the variants whose names contain one of these words (SAC always; write the "
                         "table elsewhere with --out)")
    args = ap.parse_args()
    variants = variants or VARIANTS
    if args.only:
        variants = {n: v for n, v in variants.items() if n == "sac" or any(w in n for w in args.only)}
    out = measure(variants, args.rounds, args.updates)
    if args.conditions:
        out["conditions"] = args.conditions
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
