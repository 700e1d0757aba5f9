"""The Arrow schema of stored steps: one row per transition, every reward channel and behaviour info.

Columns (O, A, R = observation, action and reward sizes of the run's env spec):

=================  ============================  ==================================================
run_id             string                        the run that collected the step
episode            int64                         episode id, unique within the run (train and eval)
step               int32                         index of the transition within its episode
env_step           int64                         the run's env-step counter after this transition
observation        fixed_size_list<float32>[O]   s_t
action             fixed_size_list<float32>[A]   a_t in [-1, 1]
reward             fixed_size_list<float32>[R]   r_{t+1}, channels named by the run's reward_names
discount           float32                       0 at true termination, else 1 (truncation keeps 1)
step_type          int8                          1 = MID, 2 = LAST (the type of the step reached)
next_observation   fixed_size_list<float32>[O]   s_{t+1}
log_prob           float32                       log μ(a_t | s_t) of the behaviour policy; NaN when
                                                 the action was deterministic (evaluation)
policy             string                        policy tag: agent name, "random", intention/skill id
is_eval            bool                          True for evaluation episodes
=================  ============================  ==================================================
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

SCALAR_COLUMNS = ("run_id", "episode", "step", "env_step", "discount", "step_type", "log_prob", "policy", "is_eval")
VECTOR_COLUMNS = ("observation", "action", "reward", "next_observation")


def steps_schema(observation_size: int, action_size: int, num_rewards: int) -> pa.Schema:
    f32 = pa.float32()
    return pa.schema([
        ("run_id", pa.string()),
        ("episode", pa.int64()),
        ("step", pa.int32()),
        ("env_step", pa.int64()),
        ("observation", pa.list_(f32, observation_size)),
        ("action", pa.list_(f32, action_size)),
        ("reward", pa.list_(f32, num_rewards)),
        ("discount", f32),
        ("step_type", pa.int8()),
        ("next_observation", pa.list_(f32, observation_size)),
        ("log_prob", f32),
        ("policy", pa.string()),
        ("is_eval", pa.bool_()),
    ])


def fixed_list(matrix: np.ndarray) -> pa.FixedSizeListArray:
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    return pa.FixedSizeListArray.from_arrays(pa.array(matrix.reshape(-1)), matrix.shape[1])


def to_matrix(column: pa.ChunkedArray | pa.Array, width: int) -> np.ndarray:
    """A fixed-size-list column as a [rows, width] float32 array (no per-row Python work)."""
    if isinstance(column, pa.ChunkedArray):
        parts = [to_matrix(c, width) for c in column.chunks]
        return np.concatenate(parts) if parts else np.zeros((0, width), np.float32)
    values = column.flatten().to_numpy(zero_copy_only=False)
    return values.reshape(-1, width).astype(np.float32, copy=False)
