"""MPO networks: a Gaussian policy (mean, std) and a critic with a scalar or categorical output."""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from cairn.nets.dense import Dense


def elu(x: jnp.ndarray) -> jnp.ndarray:
    """ELU (x for x > 0, eˣ − 1 otherwise), written with exp instead of expm1 as jax.nn.elu is.

    The same function to float32 rounding (|difference| < 1e-7), at half the cost on XLA-CPU: with
    N = 20 sampled actions the target critic applies it to 5,120 × 256 values per update, where
    expm1 took 0.84 ms and exp 0.37 ms (2 cores, 2026-11-24).
    """
    return jnp.where(x > 0, x, jnp.exp(jnp.where(x > 0, 0.0, x)) - 1.0)


ACTIVATIONS = {"elu": elu, "relu": nn.relu}


class LayerNormTorso(nn.Module):
    """Acme's LayerNormMLP torso: Dense → LayerNorm → tanh on the first layer (which keeps inputs of any
    scale well conditioned), then Dense → ELU (or ReLU) layers. ``final`` adds a linear output layer."""

    hidden: Sequence[int]
    final: int | None = None
    activation: str = "elu"

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        x = jnp.tanh(nn.LayerNorm()(Dense(self.hidden[0])(x)))
        for size in self.hidden[1:]:
            x = ACTIVATIONS[self.activation](Dense(size)(x))
        return x if self.final is None else Dense(self.final)(x)


class GaussianPolicy(nn.Module):
    """LayerNorm torso → (mean, std) of a diagonal Gaussian; std = softplus(x)·init_std/softplus(0) + min_std."""

    hidden: Sequence[int]
    action_size: int
    init_std: float = 0.5
    min_std: float = 1e-6
    activation: str = "elu"

    @nn.compact
    def __call__(self, obs: jnp.ndarray) -> tuple[jnp.ndarray, jnp.ndarray]:
        h = LayerNormTorso(tuple(self.hidden), activation=self.activation)(obs)
        mean = Dense(self.action_size, kernel_init=nn.initializers.variance_scaling(1e-4, "fan_in", "uniform"))(h)
        raw = Dense(self.action_size, kernel_init=nn.initializers.variance_scaling(1e-4, "fan_in", "uniform"))(h)
        std = jax.nn.softplus(raw) * (self.init_std / math.log(2.0)) + self.min_std
        return mean, std


class Critic(nn.Module):
    """Q(s, a): LayerNorm torso on [obs, action]; ``outputs`` = 1 gives a scalar, else logits over atoms.

    The first layer is split as W_o·obs + W_a·action (the same function as a Dense layer on the
    concatenation), so ``obs`` [S, O] broadcasts against ``action`` [N, S, A]: the observation part is
    computed once per state, not once per sampled action.
    """

    hidden: Sequence[int]
    outputs: int = 1
    activation: str = "elu"
    small_head: bool = False

    @nn.compact
    def __call__(self, obs: jnp.ndarray, action: jnp.ndarray) -> jnp.ndarray:
        x = Dense(self.hidden[0], name="obs_in")(obs) + Dense(self.hidden[0], use_bias=False, name="act_in")(action)
        x = jnp.tanh(nn.LayerNorm()(x))
        for size in self.hidden[1:]:
            x = ACTIVATIONS[self.activation](Dense(size)(x))
        head_init = (nn.initializers.variance_scaling(1e-5, "fan_in", "uniform") if self.small_head
                     else nn.initializers.lecun_normal())
        out = Dense(self.outputs, kernel_init=head_init)(x)
        return out[..., 0] if self.outputs == 1 else out


class MPONetworks(NamedTuple):
    policy: nn.Module  # obs [..., O] -> (mean [..., A], std [..., A])
    critic: nn.Module  # (obs [..., O], action [..., A]) -> q [...] or logits [..., K]
