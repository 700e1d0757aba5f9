"""Offline training (``cairn train ENV --offline --data SELECTOR``): gradient updates on stored data only.

The selected runs are loaded once into an in-memory replay (as ``--reuse`` does); the environment is
used only for evaluation episodes, which are recorded in the store like any other run's. ``--steps``,
``--eval-every``, ``--checkpoint-every`` and ``--log-every`` count gradient updates. A run can be
resumed (``--resume RUN``) and later fine-tuned online (``--resume RUN --online``, see loop.train).
"""

from __future__ import annotations

import dataclasses
import os
import socket
import time

import jax
import numpy as np

import cairn
from cairn.agents import make_learner
from cairn.run.checkpoint import load_checkpoint, save_checkpoint
from cairn.run.config import TrainConfig, resolve_store
from cairn.run.loop import (
    LoopState, NonFiniteLossError, _evaluate_point, _last_eval, _status_on_failure, _StopFlag, _tick, _wrap_up,
    crossed, make_run_env, recorded_env_kwargs,
)
from cairn.run.metrics import MetricsWriter
from cairn.run.reuse import load_prior
from cairn.run.rundir import RunDir
from cairn.store import StoreWriter


def train_offline(config: TrainConfig, run: RunDir | None, resuming: bool, progress) -> dict:
    eval_env = make_run_env(config.env_id, config.seed + 1_000_003, config.action_repeat)
    if resuming:  # evaluated, and its data checked, with the reward definition it was recorded with
        env_kwargs = recorded_env_kwargs(run, config.env_id, eval_env.spec)
        if env_kwargs:
            eval_env = make_run_env(config.env_id, config.seed + 1_000_003, config.action_repeat, **env_kwargs)
    spec = eval_env.spec
    learner = make_learner(config.agent, spec, config)
    store_root = resolve_store(config.store)
    data, data_runs, load_s = load_prior(store_root, config.data, spec, config.env_id,
                                         exclude=run.run_id if run is not None else None, flag="--data",
                                         action_repeat=config.action_repeat)
    state = learner.init(jax.random.PRNGKey(config.seed))
    loop = LoopState()
    np_rng = np.random.default_rng(config.seed)
    if resuming:
        state, loop_dict, _ = load_checkpoint(run.checkpoint_path, state)
        loop = LoopState(**{k: v for k, v in loop_dict.items() if k in LoopState.__dataclass_fields__})
        loop.resumes += 1
        np_rng.bit_generator.state = loop_dict["np_rng"]
    if run is None:
        run = RunDir.create(store_root, config.env_id, config.agent)
    info = {"data_runs": data_runs, "data_transitions": len(data), "data_load_seconds": round(load_s, 3)}
    run.write_config(config.to_dict())
    run.update_meta(run_id=run.run_id, run_name=config.run_name, env=config.env_id, agent=config.agent,
                    seed=config.seed, status="running", cairn_version=cairn.__version__, env_spec=spec.to_dict(),
                    pid=os.getpid(), host=socket.gethostname(), heartbeat=time.time(),
                    flush_seconds=config.flush_seconds, offline=True, **info,
                    **({} if resuming else {"start_time": time.time()}))
    metrics_out = MetricsWriter(run.path)
    writer = None
    if config.record:  # evaluation episodes are real experience too
        writer = StoreWriter(run.path, run.run_id, spec, config.flush_seconds,
                             on_flush=lambda: run.update_meta(heartbeat=time.time()))

    def checkpoint(session_seconds: float):
        loop_state = dataclasses.asdict(loop)
        loop_state["wall_seconds"] += session_seconds
        save_checkpoint(run.checkpoint_path, state, {**loop_state, "np_rng": np_rng.bit_generator.state}, {})

    def run_eval():
        _evaluate_point(learner, state, eval_env, config, loop, metrics_out, writer, progress, loop.updates,
                        "offline")

    start = loop.updates
    progress("start", run_id=run.run_id, run_dir=str(run.path), total=config.steps, start=start,
             resumed=resuming, spec=spec, unit="updates")
    t0 = time.perf_counter()
    status, metrics = "finished", None
    with _status_on_failure(run, writer, metrics_out), _StopFlag() as stop:
        while loop.updates < config.steps:
            if stop.signum is not None:
                status = "interrupted"
                break
            state, metrics = learner.update(state, learner.sample_batch(data, np_rng))
            before = loop.updates
            loop.updates += 1
            if crossed(before, loop.updates, config.log_every):
                row = {k: float(v) for k, v in jax.device_get(metrics).items()}
                if not row.pop("finite"):
                    bad = [k for k in learner.loss_names if not np.isfinite(row[k])]
                    raise NonFiniteLossError(
                        f"{' and '.join(bad) or 'a loss'} became non-finite by update {loop.updates}; "
                        f"stopped, last good checkpoint kept at {run.checkpoint_path}")
                elapsed = time.perf_counter() - t0
                metrics_out.write("metrics", {"env_step": 0, "updates": loop.updates,
                                              "updates_per_second": (loop.updates - start) / elapsed, **row},
                                  loop.updates)
            _tick(before, loop.updates, config, run_eval, checkpoint, t0, progress)
        _last_eval(status, loop.updates, config, loop, run_eval)
    session_seconds = _wrap_up(t0, checkpoint, loop, writer, metrics_out, run, status, 0)
    summary = {
        "run_id": run.run_id, "run_name": config.run_name, "run_dir": str(run.path), "env": config.env_id,
        "agent": config.agent, "seed": config.seed, "status": status, "offline": True,
        "env_steps": 0, "updates": loop.updates, "episodes": 0,
        "final_eval_return": loop.eval_curve[-1][1] if loop.eval_curve else None,
        "best_eval_return": loop.best_eval_return,
        "eval_curve": loop.eval_curve,  # [update, mean return]
        "wall_seconds": round(loop.wall_seconds, 3),
        "env_steps_per_second": 0.0,
        "updates_per_second": round((loop.updates - start) / max(session_seconds, 1e-9), 2),
        "recorded_steps": writer.rows_written if writer is not None else 0,
        **info,
        **({"final_success_rate": loop.success_rate} if loop.success_rate is not None else {}),
    }
    progress("end", summary=summary)
    return summary
