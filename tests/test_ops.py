"""The shared actor-critic math, against numbers computed by hand (in the comments)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cairn import ops


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def test_categorical_projection_splits_atoms_between_neighbours_and_clips():
    support = jnp.array([0.0, 1.0, 2.0])
    # 0.5 splits half/half between 0 and 1; 1.0 lands on 1; 3.0 is clipped to 2.
    out = ops.categorical_l2_project(jnp.array([0.5, 1.0, 3.0]), jnp.array([0.2, 0.3, 0.5]), support)
    close(out, [0.1, 0.4, 0.5])


def test_categorical_projection_of_a_bellman_shift_keeps_mass_and_mean():
    support = jnp.array([-1.0, 0.0, 1.0])
    probs = jnp.array([0.5, 0.25, 0.25])
    shifted = 0.25 + 0.5 * support  # r = 0.25, γ = 0.5 → atoms at -0.25, 0.25, 0.75
    # -0.25 → 0.125 to -1, 0.375 to 0;  0.25 → 0.1875 to 0, 0.0625 to 1;  0.75 → 0.0625 to 0, 0.1875 to 1
    out = ops.categorical_l2_project(shifted, probs, support)
    close(out, [0.125, 0.625, 0.25])
    close(jnp.sum(out * support), jnp.sum(probs * shifted))  # 0.125 both


def test_categorical_projection_is_linear_so_averaging_before_projecting_is_exact():
    support = jnp.linspace(-5.0, 5.0, 11)
    key1, key2 = jax.random.split(jax.random.PRNGKey(0))
    probs = jax.nn.softmax(jax.random.normal(key1, (4, 11)), axis=-1)  # 4 sampled next actions
    shifted = 0.3 + 0.9 * support
    one_by_one = jnp.mean(ops.categorical_l2_project(jnp.broadcast_to(shifted, (4, 11)), probs, support), axis=0)
    close(ops.categorical_l2_project(shifted, jnp.mean(probs, axis=0), support), one_by_one)


def test_categorical_projection_matches_the_hat_matrix_and_flags_non_finite_atoms():
    """The scatter form equals Σ_k p_k·max(0, 1 − |clip(z′_k) − z_m|/Δz) written out, on random atoms in and
    beyond the support (batch [2, 3]); a NaN atom makes its row NaN rather than dropping its mass."""
    support = jnp.linspace(-2.0, 2.0, 9)
    k1, k2 = jax.random.split(jax.random.PRNGKey(4))
    atoms = jax.random.uniform(k1, (2, 3, 7), minval=-3.0, maxval=3.0).at[0, 0, 0].set(2.0).at[0, 0, 1].set(-2.0)
    probs = jax.nn.softmax(jax.random.normal(k2, (2, 3, 7)), axis=-1)
    z = jnp.clip(atoms, -2.0, 2.0)
    hat = jnp.clip(1.0 - jnp.abs(z[..., :, None] - support) / 0.5, 0.0, 1.0)
    close(ops.categorical_l2_project(atoms, probs, support), jnp.sum(probs[..., :, None] * hat, axis=-2))
    out = ops.categorical_l2_project(jnp.array([[0.5, jnp.nan], [0.5, 1.0]]), jnp.full((2, 2), 0.5), support)
    assert bool(jnp.all(jnp.isnan(out[0]))) and bool(jnp.all(jnp.isfinite(out[1])))
    close(jnp.sum(out[1]), 1.0)


def test_categorical_cross_entropy_and_mean():
    logits = jnp.array([0.0, math.log(3.0)])  # softmax = [0.25, 0.75]
    close(ops.categorical_cross_entropy(logits, jnp.array([1.0, 0.0])), math.log(4.0))
    close(ops.categorical_mean(logits, jnp.array([-1.0, 1.0])), 0.5)
    g = jax.grad(lambda t: ops.categorical_cross_entropy(logits, t))(jnp.array([1.0, 0.0]))
    close(g, [0.0, 0.0])  # no gradient into the target


def test_gaussian_kl_and_log_prob():
    # KL(N(0,1) ‖ N(1,2²)) = log 2 + (1 + 1)/8 − 1/2 = 0.443147
    close(ops.diag_gaussian_kl(jnp.array([0.0]), jnp.array([1.0]), jnp.array([1.0]), jnp.array([2.0])), [0.443147])
    close(ops.diag_gaussian_kl(jnp.ones(3), 2 * jnp.ones(3), jnp.ones(3), 2 * jnp.ones(3)), jnp.zeros(3))
    # log N(1; 0, 2²) = −1/8 − log 2 − ½·log 2π = −1.737086
    close(ops.diag_gaussian_log_prob(jnp.array([1.0]), jnp.array([0.0]), jnp.array([2.0])), -1.737086)


def test_estep_weights_temperature_loss_and_its_gradient():
    q = jnp.array([[1.0], [2.0]])  # N = 2 actions, B = 1 state
    w, loss = ops.estep_weights(q, jnp.asarray(1.0), 0.1)
    close(w[:, 0], [1 / (1 + math.e), math.e / (1 + math.e)])  # 0.268941, 0.731059
    # η·ε + η·(logsumexp(1, 2) − log 2) = 0.1 + 2.313262 − 0.693147
    close(loss, 1.720115)
    # ∂/∂η = ε + LSE(q/η) − log N − Σ_j w_j q_j/η = 0.1 + 2.313262 − 0.693147 − 1.731059 = −0.010944
    grad = jax.grad(lambda eta: ops.estep_weights(q, eta, 0.1)[1])(jnp.asarray(1.0))
    close(grad, -0.010944)
    # higher temperature → flatter weights
    w_hot, _ = ops.estep_weights(q, jnp.asarray(100.0), 0.1)
    assert abs(float(w_hot[0, 0]) - 0.5) < 0.01


def test_weighted_log_likelihood_and_kl_duals():
    close(ops.weighted_log_likelihood(jnp.array([[0.25], [0.75]]), jnp.array([[-1.0], [-2.0]])), 1.75)
    penalty, dual = ops.kl_dual_loss(jnp.asarray(2.0), jnp.asarray(0.3), 0.1)
    close(penalty, 0.6)
    close(dual, -0.4)  # 2·(0.1 − 0.3)
    # the multiplier grows while KL > ε: ∂dual/∂α = ε − KL = −0.2
    close(jax.grad(lambda a: ops.kl_dual_loss(a, jnp.asarray(0.3), 0.1)[1])(jnp.asarray(2.0)), -0.2)
    close(jax.grad(lambda a: ops.kl_dual_loss(a, jnp.asarray(0.3), 0.1)[0])(jnp.asarray(2.0)), 0.0)
    close(jax.grad(lambda k: ops.kl_dual_loss(jnp.asarray(2.0), k, 0.1)[0])(jnp.asarray(0.3)), 2.0)
    # per-dimension: sums over dimensions
    p, d = ops.kl_dual_loss(jnp.array([1.0, 2.0]), jnp.array([0.5, 0.25]), 0.5)
    close(p, 1.0)
    close(d, 0.0 + 2.0 * 0.25)


def test_dual_parameterisation():
    close(ops.dual_value(jnp.asarray(0.0)), math.log(2.0))
    close(ops.dual_value(jnp.asarray(10.0)), 10.0000454)
    clipped = ops.clip_dual_params({"a": jnp.array([-30.0, 5.0]), "b": jnp.asarray(-18.5)})
    close(clipped["a"], [-18.0, 5.0])
    close(clipped["b"], -18.0)
    assert float(ops.dual_value(jnp.asarray(-18.0))) > 0


def test_n_step_return():
    r = jnp.array([[1.0, 2.0, 3.0]])
    # full window: 1 + ½·2 + ¼·3 + ⅛·10 = 4.0
    close(ops.n_step_return(r, jnp.ones((1, 3)), jnp.ones((1, 3)), jnp.array([10.0]), 0.5), [4.0])
    # termination after 2 steps: 1 + ½·2, no bootstrap
    close(ops.n_step_return(r, jnp.array([[1.0, 0.0, 1.0]]), jnp.array([[1.0, 1.0, 0.0]]), jnp.array([10.0]), 0.5), [2.0])
    # truncation after 2 steps: 1 + ½·2 + ¼·10
    close(ops.n_step_return(r, jnp.ones((1, 3)), jnp.array([[1.0, 1.0, 0.0]]), jnp.array([10.0]), 0.5), [4.5])


@pytest.mark.parametrize("case", ["one_step", "two_steps", "masked", "terminal"])
def test_retrace_target(case):
    q, v = jnp.array([[5.0, 3.0]]), jnp.array([[4.0, 6.0]])
    r, c = jnp.array([[1.0, 2.0]]), jnp.array([[0.0, 0.5]])
    d, m = jnp.ones((1, 2)), jnp.ones((1, 2))
    if case == "one_step":  # r0 + γ·v1 = 1 + 0.9·4
        got, want = ops.retrace_target(q[:, :1], v[:, :1], r[:, :1], d[:, :1], c[:, :1], m[:, :1], 0.9), 4.6
    elif case == "two_steps":
        # δ0 = 1 + 3.6 − 5 = −0.4, δ1 = 2 + 5.4 − 3 = 4.4; Q = 5 − 0.4 + 0.9·0.5·4.4 = 6.58
        # (recursively: Q1 = 2 + 0.9·6 = 7.4, Q0 = 1 + 0.9·(4 − 0.5·3 + 0.5·7.4) = 6.58)
        got, want = ops.retrace_target(q, v, r, d, c, m, 0.9), 6.58
    elif case == "masked":  # step 1 lies in the next episode
        got, want = ops.retrace_target(q, v, r, d, c, jnp.array([[1.0, 0.0]]), 0.9), 4.6
    else:  # terminated at step 0: just r0
        got, want = ops.retrace_target(q, v, r, jnp.array([[0.0, 1.0]]), c, jnp.array([[1.0, 0.0]]), 0.9), 1.0
    close(got, [want])


@pytest.mark.parametrize("case", ["cut", "full", "no_traces", "masked", "terminal"])
def test_traced_n_step(case):
    r, d, m = jnp.array([[1.0, 2.0, 3.0]]), jnp.ones((1, 3)), jnp.ones((1, 3))
    c, u = jnp.array([[0.5, 0.5]]), jnp.array([[0.2, 0.7]])  # steps 1, 2: 0.2 < 0.5 goes on, 0.7 cuts
    if case == "cut":  # two steps: 1 + 0.9·2, bootstrap weight γ^{m−1} = 0.9 (the target adds one more γ)
        want = (2.8, 0.9, 2)
    elif case == "full":
        u = jnp.array([[0.2, 0.3]])  # 1 + 0.9·2 + 0.81·3
        want = (5.23, 0.81, 3)
    elif case == "no_traces":
        c = jnp.zeros((1, 2))
        want = (1.0, 1.0, 1)
    elif case == "masked":  # step 1 lies in the next episode: a one-step window whatever the draws
        m = jnp.array([[1.0, 0.0, 0.0]])
        want = (1.0, 1.0, 1)
    else:  # terminated at step 1: 1 + 0.9·2 and no bootstrap; step 2 is not reached
        d, m, u = jnp.array([[1.0, 0.0, 1.0]]), jnp.array([[1.0, 1.0, 0.0]]), jnp.array([[0.2, 0.3]])
        want = (2.8, 0.0, 2)
    reward, discount, length = ops.traced_n_step(r, d, m, c, u, 0.9)
    close(reward, [want[0]])
    close(discount, [want[1]])
    assert int(length[0]) == want[2]


def test_truncated_traces():
    # λ·min(1, π/μ): π/μ = e^{-1} → 0.5·0.3679; π/μ = e → 0.5 (truncated); μ unknown → 0
    got = ops.truncated_traces(jnp.array([-2.0, -1.0, -1.0]), jnp.array([-1.0, -2.0, jnp.nan]), 0.5)
    close(got, [0.5 * math.exp(-1.0), 0.5, 0.0])
