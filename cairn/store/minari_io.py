"""Minari datasets in and out of the store: ``cairn store export RUN --format minari`` and
``cairn store import minari DIR``.

Export writes one Minari dataset (``arrow`` data format) per run, every episode of the run (training
and evaluation) in episode-id order:

* ``observations``: the T stored observations of an episode plus its final ``next_observation``;
* ``actions``: the stored actions, in [-1, 1] (the space is ``Box(-1, 1)``; the simulator's own bounds
  are kept in the dataset metadata under ``cairn``);
* ``rewards``: reward channel 0 (the task reward); every further channel ``name`` goes to the per-step
  info ``reward/<name>`` (T+1 rows, Minari's convention: row 0 is the reset info, 0.0);
* ``terminations``: a LAST step with discount 0; ``truncations``: a LAST step with discount > 0; an
  episode that the run cut without a LAST step carries neither flag;
* info ``cairn/is_eval``: whether the episode was an evaluation episode.

The dataset's metadata holds a ``cairn`` object (env id, env spec, run id and name, agent, seed), so an
import restores the env id, the reward names and the action bounds.

Import turns one Minari dataset into an ordinary run (agent ``minari``) written with ``StoreWriter``,
so ``cairn store ls/sql``, ``Store.load_transitions`` and ``--reuse`` read it like any recorded run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cairn.errors import ConfigError
from cairn.store.catalog import Store
from cairn.store.schema import to_matrix
from cairn.store.writer import StoreWriter
from cairn.types import EnvSpec, StepType

REWARD_INFO_PREFIX = "reward/"
EVAL_INFO_KEY = "cairn/is_eval"
METADATA_KEY = "cairn"
IMPORT_AGENT = "minari"
IMPORT_POLICY = "minari"
_ROWS_PER_SHARD = 100_000


def _require_minari():
    try:
        import minari
    except ImportError:
        raise ConfigError("Minari support needs the minari package: pip install 'cairn-rl[minari]'") from None
    return minari


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower() or "env"


def default_dataset_id(env_id: str, run_id: str) -> str:
    return f"cairn/{_slug(env_id)}/{run_id}-v0"


@contextmanager
def _datasets_root(root: Path):
    """Point ``MINARI_DATASETS_PATH`` at ``root`` for the duration, then restore it."""
    old = os.environ.get("MINARI_DATASETS_PATH")
    os.environ["MINARI_DATASETS_PATH"] = str(root)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MINARI_DATASETS_PATH", None)
        else:
            os.environ["MINARI_DATASETS_PATH"] = old


# ---------------------------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------------------------

@dataclass
class _Episode:
    observations: np.ndarray  # [T+1, O]
    actions: np.ndarray  # [T, A]
    rewards: np.ndarray  # [T, R]
    terminated: bool
    truncated: bool
    is_eval: bool


def _read_run_steps(store: Store, run_id: str) -> pa.Table:
    shards = store.valid_shards([run_id])
    if not shards:
        raise ConfigError(f"run {run_id} has no stored steps to export")
    cols = ["episode", "step", "observation", "action", "reward", "discount", "step_type", "next_observation",
            "is_eval"]
    table = pa.concat_tables([pq.read_table(p, columns=cols) for p in shards])
    return table.sort_by([("episode", "ascending"), ("step", "ascending")])


def _run_episodes(table: pa.Table) -> list[_Episode]:
    """Split rows sorted by (episode, step) into episodes."""
    schema = table.schema
    obs = to_matrix(table.column("observation"), schema.field("observation").type.list_size)
    nxt = to_matrix(table.column("next_observation"), schema.field("next_observation").type.list_size)
    act = to_matrix(table.column("action"), schema.field("action").type.list_size)
    rew = to_matrix(table.column("reward"), schema.field("reward").type.list_size)
    episode = table.column("episode").to_numpy()
    discount = table.column("discount").to_numpy()
    step_type = table.column("step_type").to_numpy()
    is_eval = table.column("is_eval").to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(np.r_[True, episode[1:] != episode[:-1]])
    ends = np.r_[starts[1:], len(episode)]
    out = []
    for s, e in zip(starts, ends):
        last = step_type[e - 1] == StepType.LAST
        out.append(_Episode(
            observations=np.concatenate([obs[s:e], nxt[e - 1:e]]),
            actions=act[s:e], rewards=rew[s:e],
            terminated=bool(last and discount[e - 1] == 0.0),
            truncated=bool(last and discount[e - 1] > 0.0),
            is_eval=bool(is_eval[s])))
    return out


def export_run(store: Store, run: str, out: str | Path, dataset_id: str | None = None) -> dict:
    """Write every episode of ``run`` as one Minari dataset under ``out`` (a Minari datasets root).

    Returns ``{"dataset_id", "path", "episodes", "steps"}``."""
    minari = _require_minari()
    import gymnasium as gym
    from minari.data_collector.episode_buffer import EpisodeBuffer
    from minari.dataset.minari_dataset import parse_dataset_id

    from cairn.run.rundir import RunDir

    run_dir = RunDir(store.find_run(run))
    meta = run_dir.read_meta()
    spec_dict = meta.get("env_spec")
    if not spec_dict:
        raise ConfigError(f"run {run_dir.run_id} has no env_spec in {run_dir.path / 'run.json'}; cannot export it")
    env_id = meta.get("env") or spec_dict.get("env_id")
    reward_names = list(spec_dict.get("reward_names") or ["task"])
    dataset_id = dataset_id or default_dataset_id(env_id, run_dir.run_id)
    try:
        parse_dataset_id(dataset_id)
    except (ValueError, TypeError):
        raise ConfigError(f"--dataset-id {dataset_id!r} is not a Minari id of the form "
                          f"[namespace/]name-v<version>, e.g. cairn/cartpole/run1-v0") from None
    root = Path(out).expanduser().resolve()
    if (root / dataset_id).exists():
        raise ConfigError(f"a Minari dataset {dataset_id} already exists in {root}; pass another --dataset-id or --out")

    episodes = _run_episodes(_read_run_steps(store, run_dir.run_id))
    obs_size = episodes[0].observations.shape[1]
    act_size = episodes[0].actions.shape[1]
    if len(reward_names) != episodes[0].rewards.shape[1]:
        reward_names = ["task"] + [f"r{i}" for i in range(1, episodes[0].rewards.shape[1])]

    def buffers():
        for i, ep in enumerate(episodes):
            infos = {EVAL_INFO_KEY: [ep.is_eval] * (len(ep.actions) + 1)}
            for c, name in enumerate(reward_names[1:], start=1):
                infos[REWARD_INFO_PREFIX + name] = [np.float32(0.0)] + list(ep.rewards[:, c])
            T = len(ep.actions)
            yield EpisodeBuffer(
                id=i, observations=ep.observations, actions=ep.actions, rewards=ep.rewards[:, 0],
                terminations=np.r_[np.zeros(T - 1, bool), ep.terminated],
                truncations=np.r_[np.zeros(T - 1, bool), ep.truncated], infos=infos)

    n_steps = int(sum(len(ep.actions) for ep in episodes))
    n_eval = sum(ep.is_eval for ep in episodes)
    low, high = spec_dict.get("action_low") or [], spec_dict.get("action_high") or []
    description = (
        f"Experience of cairn run {run_dir.run_id}"
        + (f" ({meta['run_name']})" if meta.get("run_name") else "")
        + f" on cairn env {env_id}, agent {meta.get('agent')}, seed {meta.get('seed')}: {len(episodes)} episodes "
        f"({n_eval} evaluation episodes, marked by the info {EVAL_INFO_KEY}), {n_steps} steps. Actions are "
        f"normalised to [-1, 1]" + (f" (simulator bounds low={low}, high={high})" if low else "")
        + f"; rewards are channel {reward_names[0]!r}"
        + (f", further reward channels are in the infos {', '.join(REWARD_INFO_PREFIX + n for n in reward_names[1:])}"
           if len(reward_names) > 1 else "")
        + ". The metadata key 'cairn' holds the cairn env spec.")
    cairn_meta = {"env_id": env_id, "env_spec": spec_dict, "reward_names": reward_names, "run_id": run_dir.run_id,
                  "run_name": meta.get("run_name"), "agent": meta.get("agent"), "seed": meta.get("seed"),
                  "cairn_version": meta.get("cairn_version")}
    root.mkdir(parents=True, exist_ok=True)
    with _datasets_root(root), warnings.catch_warnings():
        # No env is passed (making one may need a simulator or a network) and no reference scores:
        # Minari would otherwise roll out 100 random episodes. It warns about both; that is expected.
        warnings.simplefilter("ignore", UserWarning)
        dataset = minari.create_dataset_from_buffers(
            dataset_id=dataset_id, buffer=[],
            observation_space=gym.spaces.Box(-np.inf, np.inf, (obs_size,), np.float32),
            action_space=gym.spaces.Box(-1.0, 1.0, (act_size,), np.float32),
            algorithm_name=f"cairn/{meta.get('agent')}", description=description, data_format="arrow")
        dataset.storage.update_episodes(buffers())
        dataset.storage.update_metadata({METADATA_KEY: cairn_meta})
    return {"dataset_id": dataset_id, "path": str(root / dataset_id), "episodes": len(episodes), "steps": n_steps,
            "eval_episodes": int(n_eval)}


# ---------------------------------------------------------------------------------------------
# import
# ---------------------------------------------------------------------------------------------

def _is_dataset_dir(p: Path) -> bool:
    return (p / "data" / "metadata.json").is_file()


def _find_datasets(root: Path) -> dict[str, Path]:
    """Dataset id (from its metadata, else its path under ``root``) -> dataset directory."""
    found: dict[str, Path] = {}

    def walk(d: Path):
        if _is_dataset_dir(d):
            try:
                ds_id = json.loads((d / "data" / "metadata.json").read_text()).get("dataset_id")
            except (OSError, json.JSONDecodeError):
                ds_id = None
            found[ds_id or d.relative_to(root).as_posix()] = d
            return
        for child in sorted(d.iterdir()):
            if child.is_dir() and not child.name.startswith("."):
                walk(child)

    walk(root)
    return found


def locate_dataset(path: str | Path, dataset_id: str | None = None) -> tuple[str, Path]:
    """Resolve ``path`` (a Minari datasets root, a dataset directory or its ``data`` directory) and an
    optional ``dataset_id`` to (dataset id, dataset directory)."""
    p = Path(path).expanduser()
    if not p.is_dir():
        raise ConfigError(f"{p} is not a directory (expected a Minari datasets root or a dataset directory)")
    if p.name == "data" and (p / "metadata.json").is_file():
        p = p.parent
    found = _find_datasets(p)
    if not found:
        raise ConfigError(f"no Minari dataset under {p} (a dataset directory holds data/metadata.json)")
    if dataset_id is not None:
        if dataset_id in found:
            return dataset_id, found[dataset_id]
        by_path = {d.resolve(): k for k, d in found.items()}
        hit = by_path.get((p / dataset_id).resolve())
        if hit is not None:
            return hit, found[hit]
        raise ConfigError(f"no Minari dataset {dataset_id!r} under {p}; found: {', '.join(sorted(found))}")
    if len(found) > 1:
        raise ConfigError(f"{p} holds {len(found)} Minari datasets; pick one with --dataset-id: "
                          f"{', '.join(sorted(found))}")
    return next(iter(found.items()))


def _space_name(space) -> str:
    text = str(space)
    return text if len(text) <= 120 else text[:117] + "..."


def _observation_flattener(space) -> tuple[Callable, int, tuple[tuple[str, int], ...]]:
    """(episode observations -> [T+1, O] float32, O, observation_keys) or ConfigError naming the space."""
    from gymnasium import spaces

    def box_ok(b, where: str):
        if not isinstance(b, spaces.Box):
            raise ConfigError(f"cannot import {where} space {_space_name(b)}: cairn stores flat float vectors "
                              f"(Box, or a Dict of Boxes)")
        if len(b.shape) >= 2 and np.issubdtype(b.dtype, np.integer):
            raise ConfigError(f"cannot import image {where}s {_space_name(b)}: cairn stores flat float vectors")

    if isinstance(space, spaces.Dict):
        keys = tuple(sorted(space.spaces))
        for k in keys:
            box_ok(space[k], f"observation[{k!r}]")
        sizes = tuple((k, int(np.prod(space[k].shape, dtype=int))) for k in keys)

        def flat_dict(obs):
            return np.concatenate([np.asarray(obs[k], np.float32).reshape(len(obs[k]), -1) for k in keys], axis=1)

        return flat_dict, sum(s for _, s in sizes), sizes
    box_ok(space, "observation")

    def flat_box(obs):
        obs = np.asarray(obs, np.float32)
        return obs.reshape(len(obs), -1)

    return flat_box, int(np.prod(space.shape, dtype=int)), ()


def _action_normaliser(space) -> tuple[Callable, int, tuple[float, ...], tuple[float, ...]]:
    """(episode actions -> [T, A] float32 in [-1, 1], A, low, high) or ConfigError naming the space."""
    from gymnasium import spaces

    if not isinstance(space, spaces.Box):
        raise ConfigError(f"cannot import action space {_space_name(space)}: cairn supports continuous (Box) "
                          f"actions only")
    low = np.asarray(space.low, np.float64).ravel()
    high = np.asarray(space.high, np.float64).ravel()
    if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
        raise ConfigError(f"cannot import action space {_space_name(space)}: unbounded actions cannot be "
                          f"normalised to [-1, 1]")
    unit = bool(np.all(low == -1.0) and np.all(high == 1.0))
    offset, scale = (high + low) / 2.0, (high - low) / 2.0

    def normalise(actions):
        a = np.asarray(actions).reshape(len(actions), -1)
        if unit:
            return np.clip(a.astype(np.float32), -1.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(scale > 0, (a.astype(np.float64) - offset) / scale, 0.0)
        return np.clip(a, -1.0, 1.0).astype(np.float32)

    return normalise, low.size, tuple(low.tolist()), tuple(high.tolist())


def import_minari(store_root: str, path: str | Path, dataset_id: str | None = None, env_id: str | None = None,
                  run_name: str | None = None) -> dict:
    """Import one Minari dataset as a new run of agent ``minari``; returns a summary dict.

    Every check of the input (dataset found and readable, spaces cairn can represent, env id known)
    happens before the run directory is created; a failure while writing removes the new run."""
    import cairn
    from cairn.run.rundir import RunDir

    minari = _require_minari()
    ds_id, ds_dir = locate_dataset(path, dataset_id)
    try:
        dataset = minari.MinariDataset(ds_dir / "data")
    except ImportError as e:
        raise ConfigError(f"cannot read Minari dataset {ds_id}: {str(e).splitlines()[0]}") from None
    except Exception as e:  # noqa: BLE001 — unsupported versions, broken metadata, unmakeable envs
        raise ConfigError(f"cannot read Minari dataset {ds_id} at {ds_dir}: {type(e).__name__}: "
                          f"{str(e).splitlines()[0] if str(e) else ''}") from None
    flatten, obs_size, obs_keys = _observation_flattener(dataset.observation_space)
    normalise, act_size, act_low, act_high = _action_normaliser(dataset.action_space)

    raw = dataset.storage.metadata
    cairn_meta = raw.get(METADATA_KEY) if isinstance(raw.get(METADATA_KEY), dict) else {}
    if env_id is None:
        env_id = cairn_meta.get("env_id")
    if env_id is None and dataset.spec.env_spec is not None:
        env_id = f"gym:{dataset.spec.env_spec.id}"
    if not env_id:
        raise ConfigError(f"Minari dataset {ds_id} records no environment; name the cairn env id of its data "
                          f"with --env (e.g. --env gym:HalfCheetah-v5)")
    reward_names = tuple(cairn_meta.get("reward_names") or ("task",))
    saved = cairn_meta.get("env_spec") or {}
    obs_scale = ()
    if (saved.get("observation_size") == obs_size and saved.get("action_size") == act_size
            and act_low == (-1.0,) * act_size and act_high == (1.0,) * act_size):
        # a cairn export: its actions were normalised already; keep the simulator's own bounds and keys
        obs_keys = tuple((k, int(n)) for k, n in saved.get("observation_keys") or ()) or obs_keys
        act_low = tuple(saved.get("action_low") or ()) or act_low
        act_high = tuple(saved.get("action_high") or ()) or act_high
        obs_scale = tuple(float(f) for f in saved.get("observation_scale") or ())
    spec = EnvSpec(env_id, obs_size, act_size, reward_names, obs_keys, act_low, act_high,
                   str(saved.get("reward_version") or ""), obs_scale)
    run_name = run_name or ds_id
    source = {"format": "minari", "dataset_id": ds_id, "path": str(ds_dir.resolve()),
              "minari_version": raw.get("minari_version"), "total_episodes": int(dataset.total_episodes),
              "total_steps": int(dataset.total_steps)}

    run = RunDir.create(store_root, env_id, IMPORT_AGENT)
    try:
        run.write_config({"env_id": env_id, "agent": IMPORT_AGENT, "run_name": run_name, "seed": None,
                          "source": source})
        run.update_meta(run_id=run.run_id, run_name=run_name, env=env_id, agent=IMPORT_AGENT, seed=None,
                        status="running", cairn_version=cairn.__version__, env_spec=spec.to_dict(), source=source,
                        pid=os.getpid(), host=socket.gethostname(), heartbeat=time.time(), start_time=time.time())
        writer = StoreWriter(run.path, run.run_id, spec, flush_seconds=float("inf"))
        env_step, episodes, pending = 0, 0, 0
        for episode, ep in enumerate(dataset.iterate_episodes()):
            n = len(ep.rewards)
            if n == 0:
                continue
            obs = flatten(ep.observations)
            act = normalise(ep.actions)
            if obs.shape != (n + 1, obs_size) or act.shape != (n, act_size):
                raise ConfigError(f"episode {ep.id} of {ds_id} has {len(obs)} observations and {len(act)} actions "
                                  f"for {n} rewards (expected {n + 1} and {n})")
            rewards = np.zeros((n, len(reward_names)), np.float32)
            rewards[:, 0] = np.asarray(ep.rewards, np.float32)
            for c, name in enumerate(reward_names[1:], start=1):
                extra = (ep.infos or {}).get(REWARD_INFO_PREFIX + name)
                if extra is None or len(extra) != n + 1:
                    raise ConfigError(f"episode {ep.id} of {ds_id} lacks the info {REWARD_INFO_PREFIX + name} "
                                      f"that its metadata announces")
                rewards[:, c] = np.asarray(extra, np.float32).reshape(n + 1)[1:]
            term = np.asarray(ep.terminations, bool).reshape(n)
            trunc = np.asarray(ep.truncations, bool).reshape(n)
            for t in range(n):
                env_step += 1
                end = t == n - 1 and bool(term[t] or trunc[t])
                writer.add(episode, t, env_step, obs[t], act[t], rewards[t], 0.0 if term[t] else 1.0,
                           int(StepType.LAST if end else StepType.MID), obs[t + 1], float("nan"), IMPORT_POLICY,
                           False)
            episodes += 1
            pending += n
            if pending >= _ROWS_PER_SHARD:
                writer.flush()
                pending = 0
        writer.close()
        run.update_meta(status="finished", end_time=time.time(), env_steps=env_step, updates=0,
                        episodes=episodes)
    except BaseException:
        shutil.rmtree(run.path, ignore_errors=True)
        raise
    return {"run_id": run.run_id, "run_name": run_name, "run_dir": str(run.path), "env": env_id,
            "dataset_id": ds_id, "episodes": episodes, "steps": env_step, "observation_size": obs_size,
            "action_size": act_size, "reward_names": list(reward_names)}
