"""Soft actor-critic: twin critics, Polyak targets, learned temperature, tanh-Gaussian policy."""

from cairn.agents.sac.config import SACConfig
from cairn.agents.sac.learning import SACLearner, SACState
from cairn.agents.sac.networks import SACNetworks, make_networks

__all__ = ["SACConfig", "SACLearner", "SACNetworks", "SACState", "make_networks"]
