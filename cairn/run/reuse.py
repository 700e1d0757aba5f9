"""Replay across Experiments (Tirumala et al. 2023): load earlier runs' stored data as a prior replay."""

from __future__ import annotations

import json
import time

from cairn.errors import ConfigError
from cairn.replay import RingBuffer
from cairn.store import Store
from cairn.types import EnvSpec


def other_reward_definition(env_id: str, recorded: str, spec: EnvSpec) -> str:
    """The words for data recorded under ``recorded`` (an ``EnvSpec.reward_version``; "" is the env's first)
    when ``spec`` computes another: one phrase for --reuse/--data and --resume."""
    return (f"another definition of {env_id}'s reward channels (reward_version {recorded or 'first'}; "
            f"this run computes {spec.reward_version or 'first'})")


def load_prior(store_root: str, selector: str, spec: EnvSpec, env_id: str, exclude: str | None = None,
               flag: str = "--reuse", action_repeat: int | None = None):
    """Resolve ``selector`` in the store, check the runs match ``spec``, load their transitions.

    Returns ``(buffer, run_ids, seconds)``. Fails with one line naming the mismatching runs when an
    observation size, action size or reward names differ from the new run's env, when a run was
    recorded with another ``--action-repeat`` (its transitions span a different time step), or when the
    env's reward definition changed since a run was recorded (``EnvSpec.reward_version``).
    """
    store = Store(store_root)
    runs = store.runs()  # every run.json, read once
    run_ids = store.select(selector, env_id=env_id, exclude=exclude, runs=runs)
    if not run_ids:
        have = ", ".join(f"{r['run_id']} ({r['env']})" for r in runs[-5:]) or "none"
        raise ConfigError(f"{flag} {selector!r} matches no run in {store.root}; runs there: {have}")
    infos = {r["run_id"]: r for r in runs}
    bad = []
    for rid in run_ids:
        r = infos[rid]
        got = (r["observation_size"], r["action_size"], tuple(r["reward_names"] or ()))
        want = (spec.observation_size, spec.action_size, tuple(spec.reward_names))
        if got != want:
            bad.append(f"{rid} (obs {got[0]}, act {got[1]}, rewards {list(got[2])})")
    repeats = {rid: json.loads(infos[rid]["config"] or "{}").get("action_repeat") for rid in run_ids}
    other = {rid: k for rid, k in repeats.items() if k is not None and action_repeat is not None and k != action_repeat}
    if other and not bad:
        need = sorted(set(other.values()))
        raise ConfigError(f"{flag} runs were recorded with --action-repeat {'/'.join(map(str, need))}, this run uses "
                          f"{action_repeat}: {', '.join(other)}; pass --action-repeat {need[0]} or select other runs")
    older = {rid: infos[rid]["reward_version"] for rid in run_ids
             if infos[rid]["reward_version"] != spec.reward_version}
    if older and not bad:
        have = "/".join(sorted({v or "first" for v in older.values()}))
        raise ConfigError(f"{flag} runs were recorded with {other_reward_definition(env_id, have, spec)}: "
                          f"{', '.join(older)}; select runs recorded with this run's")
    if bad:
        raise ConfigError(f"{flag} {selector!r} does not match {env_id} (obs {spec.observation_size}, act "
                          f"{spec.action_size}, rewards {list(spec.reward_names)}): {'; '.join(bad)}")
    t = time.perf_counter()
    data = store.load_transitions(run_ids)
    if not data or len(data["observation"]) == 0:
        raise ConfigError(f"{flag} {selector!r} matched runs {', '.join(run_ids)} but they hold no stored steps")
    n = len(data["observation"])
    buf = RingBuffer(n, spec.observation_size, spec.action_size, len(spec.reward_names))
    buf.add_batch(*(data[f] for f in RingBuffer.FIELDS))
    return buf, run_ids, time.perf_counter() - t
