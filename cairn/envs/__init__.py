"""Environments: the Env protocol, adapters for dm_control and Gymnasium MuJoCo, and ``make``."""

from cairn.envs.base import Env, InvalidActionError, flatten_observation
from cairn.envs.registry import UnknownEnvError, list_env_ids, make, register

__all__ = ["Env", "InvalidActionError", "UnknownEnvError", "flatten_observation", "list_env_ids", "make", "register"]
