"""SAC math against hand-computed numbers (see the comments for the arithmetic)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cairn.agents.sac import losses
from cairn.nets.tanh_gaussian import squash_log_det, tanh_gaussian_log_prob, tanh_gaussian_sample


def test_soft_td_target():
    # min Q' = [1.5, 3.0]; soft values 1.5 − 0.2·(−1) = 1.7 and 3.0 − 0.2·2 = 2.6
    # y = [1 + 0.9·1·1.7, 0.5 + 0.9·0·2.6] = [2.53, 0.5]
    y = losses.soft_td_target(jnp.array([1.0, 0.5]), jnp.array([1.0, 0.0]), 0.9,
                              jnp.array([[2.0, 3.0], [1.5, 4.0]]), jnp.array([-1.0, 2.0]), 0.2)
    np.testing.assert_allclose(y, [2.53, 0.5], rtol=1e-6)


def test_soft_td_target_with_a_floor_and_gpi_value():
    # soft values as above: 1.7 and 2.6; floors 2.0 and 1.0 → next values 2.0 (the floor) and 2.6 (its own)
    # y = [1 + 0.9·1·2.0, 0.5 + 0.9·1·2.6] = [2.8, 2.84]
    y = losses.soft_td_target(jnp.array([1.0, 0.5]), jnp.array([1.0, 1.0]), 0.9,
                              jnp.array([[2.0, 3.0], [1.5, 4.0]]), jnp.array([-1.0, 2.0]), 0.2, jnp.array([2.0, 1.0]))
    np.testing.assert_allclose(y, [2.8, 2.84], rtol=1e-6)
    # −inf floors leave SAC's target; an ended episode (d = 0) ignores the floor
    plain = losses.soft_td_target(jnp.array([1.0, 0.5]), jnp.array([1.0, 0.0]), 0.9,
                                  jnp.array([[2.0, 3.0], [1.5, 4.0]]), jnp.array([-1.0, 2.0]), 0.2,
                                  jnp.array([-jnp.inf, 9.0]))
    np.testing.assert_allclose(plain, [2.53, 0.5], rtol=1e-6)
    # candidate_q [critics 2, proposals 3, states 2]; pessimistic (min over critics) per proposal:
    #   state 0: [1, 4, 2] → best 4 (proposal 1); state 1: [0, −1, 5] → best 5 (proposal 2)
    q = jnp.array([[[1.0, 0.0], [4.0, -1.0], [2.0, 6.0]],
                   [[3.0, 2.0], [5.0, 7.0], [2.0, 5.0]]])
    value, best = losses.gpi_value(q)
    np.testing.assert_allclose(value, [4.0, 5.0])
    np.testing.assert_array_equal(best, [1, 2])


def test_soft_td_target_with_a_soft_floor():
    # min Q' = [1.5, 3.0], α·log π = [−0.2, 0.4], floors [2.0, 2.9]
    # plain floor: max(1.7, 2.0) = 2.0 and max(2.6, 2.9) = 2.9 — state 1's floor wins though its Q (2.9) < 3.0
    # soft floor:  max(1.5, 2.0) + 0.2 = 2.2 and max(3.0, 2.9) − 0.4 = 2.6
    args = (jnp.array([1.0, 0.5]), jnp.array([1.0, 1.0]), 0.9, jnp.array([[2.0, 3.0], [1.5, 4.0]]),
            jnp.array([-1.0, 2.0]), 0.2, jnp.array([2.0, 2.9]))
    np.testing.assert_allclose(losses.soft_td_target(*args), [2.8, 3.11], rtol=1e-6)
    np.testing.assert_allclose(losses.soft_td_target(*args, soft_floor=True), [2.98, 2.84], rtol=1e-6)
    # −inf floors leave SAC's target either way
    plain = losses.soft_td_target(*args[:-1], jnp.array([-jnp.inf, -jnp.inf]), soft_floor=True)
    np.testing.assert_allclose(plain, [1 + 0.9 * 1.7, 0.5 + 0.9 * 2.6], rtol=1e-6)


def test_q_regression_loss_and_no_gradient_into_target():
    # critic 1 errors (−1, 1) → mean square 1; critic 2 errors (2, 0) → 2; ½·(1 + 2) = 1.5
    q = jnp.array([[1.0, 2.0], [4.0, 1.0]])
    y = jnp.array([2.0, 1.0])
    assert float(losses.q_regression_loss(q, y)) == pytest.approx(1.5)
    assert np.all(jax.grad(lambda t: losses.q_regression_loss(q, t))(y) == 0.0)
    # dL/dq = (q − y)/B per critic
    np.testing.assert_allclose(jax.grad(losses.q_regression_loss)(q, y), [[-0.5, 0.5], [1.0, 0.0]])


def test_policy_objective():
    # min Q = [1, 0]; α·logπ − minQ = [0.05 − 1, −0.1 − 0] → mean −0.525
    val = losses.policy_objective(jnp.array([[1.0, 3.0], [2.0, 0.0]]), jnp.array([0.5, -1.0]), 0.1)
    assert float(val) == pytest.approx(-0.525)


def test_temperature_objective_value_and_direction():
    # logπ + H̄ = [1 − 2, −3 − 2] → mean −3; J = −log α · (−3) = 3·log 0.5
    log_alpha = jnp.log(0.5)
    lp, h = jnp.array([1.0, -3.0]), -2.0
    assert float(losses.temperature_objective(log_alpha, lp, h)) == pytest.approx(3 * math.log(0.5), rel=1e-6)
    # entropy (1) is above the target (−2): the gradient step must lower α
    assert float(jax.grad(losses.temperature_objective)(log_alpha, lp, h)) == pytest.approx(3.0)


def test_tanh_gaussian_log_prob_hand_computed():
    # Gaussian: z = 0.3/0.5 = 0.6 → −0.18 − log 0.5 − ½ log 2π = −0.405792
    # squash: log(1 − tanh(0.5)²) = log(0.786448) = −0.240229;  log π = −0.405791 + 0.240229
    lp = tanh_gaussian_log_prob(jnp.array([0.5]), jnp.array([0.2]), jnp.log(jnp.array([0.5])))
    assert float(lp) == pytest.approx(-0.165562, abs=1e-5)


def test_squash_correction_is_stable_for_saturated_actions():
    # exact: log sech²(20) = 2·(log 2 − 20 − log(1 + e^−40)) ≈ −38.61371
    assert float(squash_log_det(jnp.array([20.0]))) == pytest.approx(2 * (math.log(2) - 20), abs=1e-4)
    assert np.isfinite(float(squash_log_det(jnp.array([-30.0, 30.0]))))


def test_tanh_gaussian_density_integrates_to_one_and_matches_samples():
    mean, log_std = jnp.array([0.3]), jnp.array([math.log(0.8)])
    a = np.linspace(-1 + 1e-6, 1 - 1e-6, 200_001)
    u = np.arctanh(a)[:, None]
    dens = np.exp(np.asarray(tanh_gaussian_log_prob(jnp.asarray(u), mean, log_std)))
    assert np.trapezoid(dens, a) == pytest.approx(1.0, abs=1e-3)
    samples, lps = tanh_gaussian_sample(jax.random.PRNGKey(0), jnp.broadcast_to(mean, (50_000, 1)),
                                        jnp.broadcast_to(log_std, (50_000, 1)))
    assert np.all(np.abs(samples) <= 1.0)
    # the sample mean of tanh(u) equals the integral of a·π(a)
    assert float(samples.mean()) == pytest.approx(float(np.trapezoid(a * dens, a)), abs=0.01)
