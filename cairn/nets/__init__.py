"""Network building blocks: MLP torsos and distribution heads."""

from cairn.nets.dense import Dense
from cairn.nets.mlp import MLP
from cairn.nets.tanh_gaussian import (
    TanhGaussianHead,
    tanh_gaussian_log_prob,
    tanh_gaussian_sample,
)

__all__ = ["Dense", "MLP", "TanhGaussianHead", "tanh_gaussian_log_prob", "tanh_gaussian_sample"]
