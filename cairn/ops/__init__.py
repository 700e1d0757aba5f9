"""Small pure functions of the actor-critic family, shared by MPO/DMPO and the agents built on them
(ABM, RHPO, hybrid MPO, offline actor-critic). Each is tested against hand-computed numbers."""

from cairn.ops.categorical import categorical_cross_entropy, categorical_l2_project, categorical_mean
from cairn.ops.gaussian import diag_gaussian_kl, diag_gaussian_log_prob
from cairn.ops.mpo import (
    clip_dual_params,
    dual_value,
    estep_weights,
    kl_dual_loss,
    weighted_log_likelihood,
)
from cairn.ops.returns import n_step_return, retrace_target, traced_n_step, truncated_traces

__all__ = [
    "categorical_cross_entropy",
    "categorical_l2_project",
    "categorical_mean",
    "clip_dual_params",
    "diag_gaussian_kl",
    "diag_gaussian_log_prob",
    "dual_value",
    "estep_weights",
    "kl_dual_loss",
    "n_step_return",
    "retrace_target",
    "traced_n_step",
    "truncated_traces",
    "weighted_log_likelihood",
]
