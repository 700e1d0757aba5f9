"""cairn: data-efficient off-policy RL for robot control that keeps every experiment's experience."""

__version__ = "0.1.0"

from cairn.envs import list_env_ids, make  # noqa: E402
from cairn.types import EnvSpec, StepType, TimeStep, Transition  # noqa: E402

__all__ = ["EnvSpec", "StepType", "TimeStep", "Transition", "list_env_ids", "make", "__version__"]
