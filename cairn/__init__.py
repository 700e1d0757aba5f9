"""cairn: data-efficient off-policy RL for robot control that keeps every experiment's experience.

    import cairn
    summary = cairn.train(cairn.TrainConfig("dmc:cartpole-swingup", steps=50_000, action_repeat=8))
    store = cairn.Store("cairn-store"); store.connect().sql("SELECT * FROM runs").show()
"""

__version__ = "0.1.0"

from cairn.envs import list_env_ids, make  # noqa: E402
from cairn.types import EnvSpec, StepType, TimeStep, Transition  # noqa: E402

_LAZY = {"train": ("cairn.run.loop", "train"), "TrainConfig": ("cairn.run.config", "TrainConfig"),
         "Store": ("cairn.store", "Store")}


def __getattr__(name):  # the learner stack (jax) is imported only when it is used
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'cairn' has no attribute {name!r}")


__all__ = ["EnvSpec", "StepType", "Store", "TimeStep", "TrainConfig", "Transition", "list_env_ids", "make", "train",
           "__version__"]
