"""MLP torso with optional LayerNorm."""

from __future__ import annotations

from typing import Sequence

import flax.linen as nn
import jax.numpy as jnp

from cairn.nets.dense import Dense
from cairn.nets.norm import LayerNorm


class MLP(nn.Module):
    """Dense layers with ReLU; ``layer_norm`` adds LayerNorm before each activation.

    ``activate_final`` applies the activation after the last layer too (use it for torsos).
    """

    sizes: Sequence[int]
    layer_norm: bool = False
    activate_final: bool = False

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        for i, size in enumerate(self.sizes):
            x = Dense(size)(x)
            if i < len(self.sizes) - 1 or self.activate_final:
                if self.layer_norm:
                    x = LayerNorm()(x)
                x = nn.relu(x)
        return x
