"""Checkpoints: learner state, loop counters, RNGs and the replay in one ``.npz``, written atomically.

The learner state is serialised with ``flax.serialization`` (a few ms for SAC-sized states); the
file appears by ``os.replace`` after an fsync, so a crash mid-write leaves the previous checkpoint.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import flax.serialization
import jax
import numpy as np

from cairn.errors import ConfigError


def save_checkpoint(path: Path, learner_state: Any, loop_state: dict, arrays: dict[str, np.ndarray]) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    payload = {
        "learner": np.frombuffer(flax.serialization.to_bytes(jax.device_get(learner_state)), np.uint8),
        "loop": np.frombuffer(json.dumps(loop_state).encode(), np.uint8),
        **arrays,
    }
    with open(tmp, "wb") as f:
        np.savez(f, **payload)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_checkpoint(path: Path, learner_template: Any) -> tuple[Any, dict, dict[str, np.ndarray]]:
    """Returns (learner_state, loop_state, other arrays); ``learner_template`` gives the pytree structure."""
    with np.load(Path(path)) as data:
        saved = flax.serialization.msgpack_restore(data["learner"].tobytes())
        template = flax.serialization.to_state_dict(learner_template)
        if isinstance(saved, dict) and isinstance(template, dict):
            # A field added to a learner state since the checkpoint was written, and off in this run
            # (None), keeps its template value; any other mismatch is an error from flax below.
            saved = {**{k: v for k, v in template.items() if k not in saved and v is None}, **saved}
        try:
            learner = flax.serialization.from_state_dict(learner_template, saved)
        except ValueError as e:
            raise ConfigError(f"{path} does not match this learner's state (written by another version or "
                              f"with other agent settings): {str(e).splitlines()[0][:200]}") from None
        loop = json.loads(data["loop"].tobytes().decode())
        arrays = {k: data[k] for k in data.files if k not in ("learner", "loop")}
    return learner, loop, arrays
