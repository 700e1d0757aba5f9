"""Network building blocks: MLP torsos and distribution heads."""

from cairn.nets.dense import Dense
from cairn.nets.norm import LayerNorm, layer_norm
from cairn.nets.mlp import MLP
from cairn.nets.tanh_gaussian import (
    TanhGaussianHead,
    tanh_gaussian_log_prob,
    tanh_gaussian_sample,
)

__all__ = ["Dense", "LayerNorm", "MLP", "layer_norm", "TanhGaussianHead", "tanh_gaussian_log_prob", "tanh_gaussian_sample"]
