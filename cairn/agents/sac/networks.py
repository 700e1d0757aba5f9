"""SAC networks: a tanh-Gaussian actor and an ensemble of Q critics evaluated in one vmapped call."""

from __future__ import annotations

from typing import NamedTuple, Sequence

import flax.linen as nn
import jax.numpy as jnp

from cairn.agents.sac.config import SACConfig
from cairn.nets import MLP, TanhGaussianHead
from cairn.types import EnvSpec


class QNetwork(nn.Module):
    """Q(s, a): an MLP on the concatenated observation and action, scalar output."""

    hidden: Sequence[int]
    layer_norm: bool = False

    @nn.compact
    def __call__(self, obs: jnp.ndarray, action: jnp.ndarray) -> jnp.ndarray:
        x = jnp.concatenate([obs, action], axis=-1)
        return MLP((*self.hidden, 1), layer_norm=self.layer_norm)(x)[..., 0]


class SACNetworks(NamedTuple):
    actor: nn.Module  # obs [B, O] -> (mean [B, A], log_std [B, A])
    critic: nn.Module  # (obs [B, O], action [B, A]) -> q [num_critics, B]


def make_networks(spec: EnvSpec, config: SACConfig) -> SACNetworks:
    ensemble = nn.vmap(
        QNetwork,
        variable_axes={"params": 0},
        split_rngs={"params": True},
        in_axes=None,
        out_axes=0,
        axis_size=config.num_critics,
    )
    return SACNetworks(
        actor=TanhGaussianHead(tuple(config.hidden_sizes), spec.action_size),
        critic=ensemble(tuple(config.hidden_sizes), config.critic_layer_norm),
    )
