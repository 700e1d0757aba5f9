"""The single-process training loop: collect → replay → update, with evaluation and checkpoints.

Per env step the loop (1) picks an action with the current policy, (2) dispatches the jitted
update(s) — JAX runs them asynchronously — and (3) steps the simulator and writes the replay while
XLA computes, so the env step is hidden behind the update.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import shutil
import signal
import socket
import time
from typing import Callable

import jax
import numpy as np

import cairn
from cairn.agents import make_learner
from cairn.envs import make as make_env
from cairn.envs.registry import reward_versions
from cairn.envs.wrappers import ActionRepeat
from cairn.errors import ConfigError
from cairn.replay import Mixture, RingBuffer
from cairn.run.checkpoint import load_checkpoint, save_checkpoint
from cairn.run.config import TrainConfig, resolve_store
from cairn.run.evaluate import evaluate_episodes
from cairn.run.metrics import MetricsWriter
from cairn.run.reuse import load_prior, other_reward_definition
from cairn.run.rundir import RunDir
from cairn.store import StoreWriter

OFFLINE_CHECKPOINT = "offline-checkpoint.npz"  # an offline run's checkpoint, kept when --online fine-tunes it
# Fields a resumed run takes from the new command line when given there (set to other than their default);
# everything else, and these when left at their default, comes from the saved config. Where the store is
# and whether to print JSON always come from the new command line: they describe this invocation. A flag
# given again with its default value cannot be told from one left out, so it does not switch a run back.
RESUME_OVERRIDES = ("steps", "eval_every", "eval_episodes", "checkpoint_every", "log_every")
INVOCATION_FIELDS = ("json", "store")


def make_run_env(env_id: str, seed: int, action_repeat: int = 1, **env_kwargs):
    env = make_env(env_id, seed=seed, **env_kwargs)
    return ActionRepeat(env, action_repeat) if action_repeat > 1 else env


def recorded_env_kwargs(run: RunDir, env_id: str, spec) -> dict:
    """The env arguments that rebuild the reward definition ``run`` was recorded with, for resuming it: {}
    when that is ``spec``'s (the env's current one), ``{"reward_version": v}`` when the env still computes
    the recorded v (``reward_versions``); a ConfigError otherwise (resuming would mix two definitions)."""
    recorded = (run.read_meta().get("env_spec") or {}).get("reward_version") or ""
    if recorded == spec.reward_version:
        return {}
    if recorded in reward_versions(env_id):
        return {"reward_version": recorded}
    other = other_reward_definition(env_id, recorded, spec)
    raise ConfigError(f"run {run.run_id} was recorded with {other}: resuming would mix both in one run; "
                      "start a new run")


def crossed(before: int, now: int, every: int) -> bool:
    """True when a multiple of ``every`` lies in (before, now]."""
    return every > 0 and now // every > before // every


class NonFiniteLossError(RuntimeError):
    """A loss became NaN or infinite; the run stops and keeps its last good checkpoint."""


class _StopFlag:
    """SIGINT/SIGTERM set a flag; the loop stops at the next step boundary and checkpoints."""

    def __init__(self):
        self.signum = None
        self._old = {}

    def __enter__(self):
        for s in (signal.SIGINT, signal.SIGTERM):
            try:
                self._old[s] = signal.signal(s, self._handle)
            except ValueError:  # not the main thread
                pass
        return self

    def _handle(self, signum, frame):
        if self.signum is not None:  # a second Ctrl-C: stop right away
            raise KeyboardInterrupt
        self.signum = signum

    def __exit__(self, *exc):
        for s, h in self._old.items():
            signal.signal(s, h)


@dataclasses.dataclass
class LoopState:
    env_step: int = 0
    updates: int = 0
    episodes: int = 0
    best_eval_return: float | None = None
    eval_curve: list = dataclasses.field(default_factory=list)
    resumes: int = 0
    wall_seconds: float = 0.0
    next_episode: int = 0  # episode ids in the store (training and evaluation episodes)
    offline_eval_curve: list = dataclasses.field(default_factory=list)  # [update, return] before --online
    success_rate: float | None = None  # of the main task at the latest evaluation (envs that define success)
    host: dict = dataclasses.field(default_factory=dict)  # learner-side host state (SAC-X's scheduler table)


def _prepare(config: TrainConfig) -> tuple[TrainConfig, RunDir | None, bool, bool]:
    """The effective config, the run when resuming, whether it resumes, and whether it switches an
    offline run to online fine-tuning (``--online``). A new run's directory is created later, once
    everything that can fail on bad input has been checked."""
    store = resolve_store(config.store)
    if config.resume is None:
        if config.online:
            raise ConfigError("--online fine-tunes an offline run: add --resume RUN (see `cairn store ls`)")
        return config, None, False, False
    run = RunDir.find(store, config.resume)
    saved = TrainConfig.from_dict(run.read_config())
    if saved.env_id != config.env_id:
        raise ConfigError(f"run {run.run_id} trained {saved.env_id}, not {config.env_id}; "
                          f"resume it with `cairn train {saved.env_id} --resume {config.resume}`")
    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    overrides = {k: getattr(config, k) for k in RESUME_OVERRIDES if getattr(config, k) != defaults[k]}
    overrides.update({k: getattr(config, k) for k in INVOCATION_FIELDS})
    switch = config.online and saved.offline
    if config.online and not (saved.offline or saved.online):
        raise ConfigError(f"run {run.run_id} is an online run already; resume it without --online")
    if switch:  # offline → online: the offline data stays in the mixture as a prior source
        overrides.update(offline=False, online=True, reuse=saved.data, reuse_ratio=config.reuse_ratio,
                         learning_starts=0)
    merged = dataclasses.replace(saved, **overrides, resume=config.resume)
    if not run.checkpoint_path.exists():
        raise ConfigError(f"run {run.run_id} has no checkpoint to resume from ({run.checkpoint_path} is missing)")
    return merged, run, True, switch


def _stored_episodes(run_path) -> int:
    """1 + the largest episode id in a run's readable shards (0 if none)."""
    import pyarrow.parquet as pq

    top = -1
    for p in sorted((run_path / "steps").glob("*.parquet")):
        try:
            top = max(top, max(pq.read_table(p, columns=["episode"]).column("episode").to_pylist(), default=-1))
        except Exception:  # noqa: BLE001 — unreadable shards are reported by `cairn store verify`
            continue
    return top + 1


def _evaluate_point(learner, state, eval_env, config, loop, metrics_out, writer, progress, x: int,
                    phase: str) -> float:
    """One evaluation of the deterministic policy at ``x`` (env steps online, updates offline): recorded
    in the store (flagged as evaluation), appended to the curve and eval.csv, reported to ``progress``."""
    episode0 = loop.next_episode
    loop.next_episode += config.eval_episodes

    def record(i, t, obs, action, next_ts):
        writer.add(episode0 + i, t, loop.env_step, obs, action, next_ts.reward, next_ts.discount,
                   int(next_ts.step_type), next_ts.observation, math.nan, learner.name, True)

    params = learner.policy_params(state)
    returns, successes = evaluate_episodes(learner.eval_act, params, eval_env, config.eval_episodes,
                                           on_step=record if writer is not None else None)
    mean = float(returns.mean())
    loop.eval_curve.append([x, mean])
    loop.best_eval_return = mean if loop.best_eval_return is None else max(loop.best_eval_return, mean)
    row = {"env_step": loop.env_step, "mean_return": mean, "std_return": float(returns.std()),
           "min_return": float(returns.min()), "max_return": float(returns.max()), "episodes": len(returns),
           "updates": loop.updates, "phase": phase}
    if successes is not None:
        row["success_rate"] = loop.success_rate = float(successes.mean())
    for k, name in enumerate(getattr(learner, "intention_names", ())[1:], start=1):
        # each auxiliary intention's own policy, scored on its own reward (not recorded)
        r_k, _ = evaluate_episodes(learner.intention_eval_act(k), params, eval_env, config.eval_episodes,
                                   reward_channel=learner.reward_weights[k])
        row[f"return/{name}"] = float(r_k.mean())
    metrics_out.write("eval", row, x)
    progress("eval", env_step=x, mean_return=mean, std_return=float(returns.std()))
    return mean


@contextlib.contextmanager
def _status_on_failure(run, writer, metrics_out):
    """On the way out of a failing loop: flush what the store has not seen, close the metric files and mark
    the run ``failed`` (a non-finite loss) or ``crashed`` (anything else, Ctrl-C twice included)."""
    try:
        yield
    except BaseException as e:
        _close(writer, metrics_out)
        run.update_meta(status="failed" if isinstance(e, NonFiniteLossError) else "crashed", end_time=time.time())
        raise


def _tick(before: int, now: int, config, run_eval, checkpoint, t0: float, progress) -> None:
    """The periodic work after a step (online: env steps; offline: updates): evaluate, checkpoint, report."""
    if crossed(before, now, config.eval_every):
        run_eval()
    if crossed(before, now, config.checkpoint_every):
        checkpoint(time.perf_counter() - t0)
    progress("step", env_step=now)


def _last_eval(status: str, now: int, config, loop, run_eval) -> None:
    """A finished run ends with an evaluation at its last step, unless one was just made there."""
    if status == "finished" and config.eval_every and (not loop.eval_curve or loop.eval_curve[-1][0] != now):
        run_eval()


def _wrap_up(t0: float, checkpoint, loop, writer, metrics_out, run, status: str, env_steps: int, **meta) -> float:
    """A session that ended normally (finished or interrupted): final checkpoint, clock, store flush and
    run metadata. Returns the session's seconds."""
    session_seconds = time.perf_counter() - t0
    checkpoint(session_seconds)
    loop.wall_seconds += session_seconds
    _close(writer, metrics_out)
    run.update_meta(status=status, end_time=time.time(), env_steps=env_steps, updates=loop.updates,
                    best_eval_return=loop.best_eval_return, **meta)
    return session_seconds


def _close(writer, metrics_out) -> None:
    """Flush what the store has not seen yet (including the unfinished episode) and close the metric files."""
    try:
        if writer is not None:
            writer.close()
    finally:
        metrics_out.close()


def train(config: TrainConfig, progress: Callable | None = None) -> dict:
    """Run (or resume) training as configured; returns the summary dict printed by ``--json``.

    ``progress(kind, **info)`` is called with ``kind`` in {"start", "step", "episode", "eval", "end"}.
    """
    config, run, resuming, switch_online = _prepare(config)
    section = getattr(config, config.agent, None)
    if hasattr(section, "resolved"):  # task-dependent defaults (e.g. DMPO's vmax) are fixed in the saved config
        config = dataclasses.replace(config, **{config.agent: section.resolved(config.env_id, config.action_repeat)})
    progress = progress or (lambda kind, **info: None)
    if config.offline:
        from cairn.run.offline import train_offline

        return train_offline(config, run, resuming, progress)
    env = make_run_env(config.env_id, config.seed, config.action_repeat)
    spec, env_kwargs = env.spec, {}
    if resuming:  # its replay holds rewards as they were defined when it was recorded
        env_kwargs = recorded_env_kwargs(run, config.env_id, spec)
        if env_kwargs:
            env = make_run_env(config.env_id, config.seed, config.action_repeat, **env_kwargs)
            spec = env.spec
    learner = make_learner(config.agent, spec, config)
    replay = RingBuffer(min(config.replay_capacity, config.steps), spec.observation_size, spec.action_size,
                        len(spec.reward_names))
    state = learner.init(jax.random.PRNGKey(config.seed))
    loop = LoopState()
    np_rng = np.random.default_rng(config.seed)
    act_key = np.asarray(jax.random.PRNGKey(config.seed + 1))
    if resuming:
        state, loop_dict, arrays = load_checkpoint(run.checkpoint_path, state)
        loop = LoopState(**{k: v for k, v in loop_dict.items() if k in LoopState.__dataclass_fields__})
        loop.resumes += 1
        np_rng.bit_generator.state = loop_dict["np_rng"]
        if hasattr(learner, "load_host_state"):
            learner.load_host_state(loop.host)
        if switch_online:  # an offline run's checkpoint has no replay: online collection starts here
            loop.offline_eval_curve, loop.eval_curve = loop.eval_curve, []
            if hasattr(learner, "begin_fine_tuning"):  # oac: α starts moving to its fine-tuning value
                state = learner.begin_fine_tuning(state)
            offline_copy = run.path / OFFLINE_CHECKPOINT
            if not offline_copy.exists():  # the offline result stays evaluable after fine-tuning
                shutil.copy2(run.checkpoint_path, offline_copy)
        else:
            act_key = arrays.pop("act_key")
            replay.load_state_dict(arrays)
            replay.mark_last()  # the interrupted episode ends here; no n-step window may cross into the new one
        # Episodes flushed after that checkpoint (a run killed with SIGKILL) keep their ids.
        loop.next_episode = max(loop.next_episode, _stored_episodes(run.path))
        # The simulator's state is not checkpointed: a resumed run starts a fresh episode, seeded anew.
        env = make_run_env(config.env_id, config.seed + 7919 * loop.resumes, config.action_repeat, **env_kwargs)
    sampler, prior_info = replay, {}
    if config.reuse:
        prior, prior_runs, load_s = load_prior(resolve_store(config.store), config.reuse, spec, config.env_id,
                                               exclude=run.run_id if run is not None else None,
                                               flag="--data" if config.online else "--reuse",
                                               action_repeat=config.action_repeat)
        sampler = Mixture([(prior, config.prior_share), (replay, 1.0 - config.prior_share)])
        prior_info = {"reuse_runs": prior_runs, "reuse_ratio": config.prior_share, "reuse_transitions": len(prior),
                      "reuse_load_seconds": round(load_s, 3)}
    if run is None:
        run = RunDir.create(resolve_store(config.store), config.env_id, config.agent)
    run.write_config(config.to_dict())
    run.update_meta(run_id=run.run_id, run_name=config.run_name, env=config.env_id, agent=config.agent,
                    seed=config.seed, status="running", cairn_version=cairn.__version__,
                    env_spec=spec.to_dict(), pid=os.getpid(), host=socket.gethostname(), heartbeat=time.time(),
                    flush_seconds=config.flush_seconds, **prior_info,
                    **({} if resuming else {"start_time": time.time()}))
    eval_env = (make_run_env(config.env_id, config.seed + 1_000_003, config.action_repeat, **env_kwargs)
                if config.eval_every else None)
    metrics_out = MetricsWriter(run.path)
    writer = None
    if config.record:
        writer = StoreWriter(run.path, run.run_id, spec, config.flush_seconds,
                             on_flush=lambda: run.update_meta(heartbeat=time.time()))
    random_log_prob = -spec.action_size * math.log(2.0)  # uniform on [-1, 1]^A

    def checkpoint(session_seconds: float):
        if hasattr(learner, "host_state"):
            loop.host = learner.host_state()
        loop_state = dataclasses.asdict(loop)
        loop_state["wall_seconds"] += session_seconds  # so that a resumed run continues the clock
        save_checkpoint(run.checkpoint_path, state, {**loop_state, "np_rng": np_rng.bit_generator.state},
                        {"act_key": np.asarray(act_key), **replay.state_dict()})

    def run_eval():
        _evaluate_point(learner, state, eval_env, config, loop, metrics_out, writer, progress, loop.env_step,
                        "online")

    start_step = loop.env_step
    progress("start", run_id=run.run_id, run_dir=str(run.path), total=config.steps, start=start_step,
             resumed=resuming, spec=spec)
    t0 = time.perf_counter()
    status = "finished"
    metrics = None
    episode_return, episode_len = 0.0, 0
    episode_id = loop.next_episode
    loop.next_episode += 1
    ts = env.reset()
    scheduled = hasattr(learner, "begin_episode")  # SAC-X: an intention scheduler picks who acts
    random_steps_in_episode = False  # warm-up actions in the current episode (the scheduler does not learn from it)
    if scheduled:
        learner.begin_episode(np_rng)
    with _status_on_failure(run, writer, metrics_out), _StopFlag() as stop:
        while loop.env_step < config.steps:
            if stop.signum is not None:
                status = "interrupted"
                break
            obs = ts.observation
            if loop.env_step < config.warmup_steps:
                action = np_rng.uniform(-1.0, 1.0, spec.action_size).astype(np.float32)
                log_prob, policy_tag = random_log_prob, "random"
                random_steps_in_episode = True
            else:
                a, lp, act_key = learner.act(learner.policy_params(state), obs[None], act_key)
                action = np.asarray(a)[0]  # host arrays: indexing a jax array would dispatch an op
                log_prob = float(np.asarray(lp)[0])
                policy_tag = learner.policy_tag if scheduled else learner.name
                for _ in range(config.utd):
                    batch = learner.sample_batch(sampler, np_rng)
                    state, metrics = learner.update(state, batch)
                    loop.updates += 1
            next_ts = env.step(action)  # overlaps with the asynchronous update above
            if scheduled:
                learner.observe(next_ts.reward, np_rng)
            replay.add(obs, action, next_ts.reward, next_ts.discount, next_ts.observation, next_ts.last(),
                       log_prob)
            before = loop.env_step
            loop.env_step += config.action_repeat
            if writer is not None:
                writer.add(episode_id, episode_len, loop.env_step, obs, action, next_ts.reward, next_ts.discount,
                           int(next_ts.step_type), next_ts.observation, log_prob, policy_tag, False)
            episode_return += float(next_ts.reward[0])
            episode_len += 1
            if metrics is not None and not bool(metrics["finite"]):
                bad = [k for k in learner.loss_names if not np.isfinite(float(metrics[k]))]
                raise NonFiniteLossError(
                    f"{' and '.join(bad) or 'a loss'} became non-finite at env step {loop.env_step} "
                    f"(update {loop.updates}); stopped, last good checkpoint kept at {run.checkpoint_path}")
            if next_ts.last():
                loop.episodes += 1
                progress("episode", env_step=loop.env_step, episode_return=episode_return, length=episode_len)
                episode_return, episode_len = 0.0, 0
                episode_id = loop.next_episode
                loop.next_episode += 1
                ts = env.reset()
                if scheduled:  # the scheduler learns only from episodes its intentions acted in throughout
                    learner.end_episode(learn=not random_steps_in_episode)
                    learner.begin_episode(np_rng)
                random_steps_in_episode = False
            else:
                ts = next_ts
            if metrics is not None and crossed(before, loop.env_step, config.log_every):
                row = {k: float(v) for k, v in jax.device_get(metrics).items() if k != "finite"}
                elapsed = time.perf_counter() - t0
                metrics_out.write("metrics", {"env_step": loop.env_step, "updates": loop.updates,
                                              "steps_per_second": (loop.env_step - start_step) / elapsed,
                                              **row}, loop.env_step)
            _tick(before, loop.env_step, config, run_eval, checkpoint, t0, progress)
        _last_eval(status, loop.env_step, config, loop, run_eval)
    session_seconds = _wrap_up(t0, checkpoint, loop, writer, metrics_out, run, status, loop.env_step,
                               **({"online": True} if config.online else {}))
    summary = {
        "run_id": run.run_id,
        "run_name": config.run_name,
        "run_dir": str(run.path),
        "env": config.env_id,
        "agent": config.agent,
        "seed": config.seed,
        "status": status,
        "env_steps": loop.env_step,
        "updates": loop.updates,
        "episodes": loop.episodes,
        "final_eval_return": loop.eval_curve[-1][1] if loop.eval_curve else None,
        "best_eval_return": loop.best_eval_return,
        "eval_curve": loop.eval_curve,
        "wall_seconds": round(loop.wall_seconds, 3),
        "env_steps_per_second": round((loop.env_step - start_step) / max(session_seconds, 1e-9), 2),
        "recorded_steps": writer.rows_written if writer is not None else 0,
        **prior_info,
        **({"offline_eval_curve": loop.offline_eval_curve} if loop.offline_eval_curve else {}),
        **({"final_success_rate": loop.success_rate} if loop.success_rate is not None else {}),
    }
    progress("end", summary=summary)
    return summary
