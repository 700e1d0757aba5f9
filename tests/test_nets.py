"""cairn.nets.Dense and LayerNorm: flax's layers with faster gradients on XLA-CPU — same functions, same gradients."""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cairn.nets import Dense
from cairn.nets import dense as dense_module


@pytest.mark.parametrize("in_shape,features", [((64, 32), 3), ((5, 16, 32), 1), ((8, 4), 16), ((7, 9), 9)])
def test_dense_matches_flax_dense_values_and_gradients(in_shape, features):
    key = jax.random.PRNGKey(1)
    x = jax.random.normal(key, in_shape)
    ours, flax_dense = Dense(features), nn.Dense(features)
    params = flax_dense.init(key, x)
    assert jax.tree.structure(ours.init(key, x)) == jax.tree.structure(params)  # checkpoints unchanged

    def loss(module):
        return lambda p, x: jnp.sum(jnp.sin(module.apply(p, x)) * jnp.arange(features))

    np.testing.assert_allclose(ours.apply(params, x), flax_dense.apply(params, x), rtol=1e-6)
    got = jax.jit(jax.grad(loss(ours), argnums=(0, 1)))(params, x)
    want = jax.jit(jax.grad(loss(flax_dense), argnums=(0, 1)))(params, x)
    for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_weight_gradient_is_the_hand_computed_outer_product():
    # y = x·W + b with x [2, 3], W [3, 1]; L = Σ y·c  ⇒  ∂L/∂W = xᵀ·c, ∂L/∂x = c·Wᵀ.
    x = jnp.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
    c = jnp.array([[2.0], [-3.0]])
    params = {"params": {"kernel": jnp.array([[0.5], [-1.0], [2.0]]), "bias": jnp.array([0.25])}}
    grads, dx = jax.grad(lambda p, x: jnp.sum(Dense(1).apply(p, x) * c), argnums=(0, 1))(params, x)
    np.testing.assert_allclose(grads["params"]["kernel"], [[2.0 + 3.0], [4.0 - 1.5], [6.0 - 6.0]])
    np.testing.assert_allclose(grads["params"]["bias"], [2.0 - 3.0])
    np.testing.assert_allclose(dx, [[1.0, -2.0, 4.0], [-1.5, 3.0, -6.0]])


def test_narrow_path_is_taken_only_for_narrow_outputs():
    # The custom gradient shows up as an optimisation barrier in the traced program.
    def program(features, in_size=8):
        x = jnp.ones((4, in_size))
        module = Dense(features)
        params = module.init(jax.random.PRNGKey(0), x)
        return str(jax.make_jaxpr(jax.grad(lambda p: jnp.sum(module.apply(p, x))))(params))

    assert "optimization_barrier" in program(2)
    assert "optimization_barrier" not in program(8)
    assert "optimization_barrier" not in program(32)
    dense_module.NARROW_GRADIENT = False
    try:
        assert "optimization_barrier" not in program(2)
    finally:
        dense_module.NARROW_GRADIENT = True


def test_dense_under_vmapped_ensemble_matches_flax():
    class Q(nn.Module):
        layer: type

        @nn.compact
        def __call__(self, x):
            return self.layer(1)(nn.relu(self.layer(16)(x)))[..., 0]

    x = jax.random.normal(jax.random.PRNGKey(2), (10, 6))
    grads = []
    for layer in (Dense, nn.Dense):
        ensemble = nn.vmap(Q, variable_axes={"params": 0}, split_rngs={"params": True}, in_axes=None, out_axes=0,
                           axis_size=2)(layer)
        params = ensemble.init(jax.random.PRNGKey(3), x)
        grads.append(jax.grad(lambda p: jnp.sum(ensemble.apply(p, x) ** 2))(params))
    for g, w in zip(jax.tree.leaves(grads[0]), jax.tree.leaves(grads[1])):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(7, 16), (3, 5, 16)])
def test_layer_norm_matches_flax_values_and_gradients(shape):
    from cairn.nets import LayerNorm

    x = 2.0 + 3.0 * jax.random.normal(jax.random.PRNGKey(0), shape)
    ours, theirs = LayerNorm(), nn.LayerNorm()
    params = ours.init(jax.random.PRNGKey(1), x)
    assert jax.tree.structure(params) == jax.tree.structure(theirs.init(jax.random.PRNGKey(1), x))
    params = jax.tree.map(lambda p: p + 0.3 * jax.random.normal(jax.random.PRNGKey(2), p.shape), params)
    w = jax.random.normal(jax.random.PRNGKey(3), shape)
    np.testing.assert_allclose(ours.apply(params, x), theirs.apply(params, x), atol=1e-6)
    grad = lambda m: jax.grad(lambda p, x: jnp.sum(jnp.tanh(m.apply(p, x)) * w), (0, 1))(params, x)  # noqa: E731
    for a, b in zip(jax.tree.leaves(grad(ours)), jax.tree.leaves(grad(theirs))):
        np.testing.assert_allclose(a, b, atol=2e-5, rtol=1e-5)


def test_layer_norm_gradient_by_hand_and_under_a_vmapped_ensemble():
    from cairn.nets import layer_norm

    # x = (0, 1, 2): mean 1, var 2/3, x̂ = (−√1.5, 0, √1.5). Loss y₀ (scale 1, bias 0):
    # dx = √1.5·((1, 0, 0) − 1/3 − x̂·(−√1.5/3)) = √1.5·(1/6, −1/3, 1/6); dscale = (x̂₀, 0, 0); dbias = (1, 0, 0)
    x, scale, bias = jnp.asarray([0.0, 1.0, 2.0]), jnp.ones(3), jnp.zeros(3)
    dx, dscale, dbias = jax.grad(lambda *a: layer_norm(*a)[0], (0, 1, 2))(x, scale, bias)
    r = math.sqrt(1.5)
    np.testing.assert_allclose(dx, [r / 6, -r / 3, r / 6], atol=1e-5)
    np.testing.assert_allclose(dscale, [-r, 0.0, 0.0], atol=1e-5)
    np.testing.assert_allclose(dbias, [1.0, 0.0, 0.0], atol=1e-6)
    # two members with their own scale/bias, as SAC's twin critics are vmapped
    xs = jax.random.normal(jax.random.PRNGKey(4), (2, 6, 8))
    scales, biases = 1.0 + jax.random.normal(jax.random.PRNGKey(5), (2, 8)), jnp.zeros((2, 8))
    loss = lambda f: lambda s, b: jnp.sum(jax.vmap(f)(xs, s, b) ** 3)  # noqa: E731
    flax_ln = lambda x, s, b: nn.LayerNorm().apply({"params": {"scale": s, "bias": b}}, x)  # noqa: E731
    for a, b in zip(jax.grad(loss(layer_norm), (0, 1))(scales, biases), jax.grad(loss(flax_ln), (0, 1))(scales, biases)):
        np.testing.assert_allclose(a, b, atol=1e-4, rtol=1e-5)


def test_layer_norm_switch_selects_the_closed_form_backward(monkeypatch):
    from cairn.nets import norm

    x, s, b = jnp.ones((4, 8)), jnp.ones(8), jnp.zeros(8)
    traced = lambda: str(jax.make_jaxpr(lambda *a: norm.layer_norm(*a))(x, s, b))  # a new function: no trace cache  # noqa: E731
    assert "custom_vjp" in traced()
    monkeypatch.setattr(norm, "CLOSED_FORM", False)
    assert "custom_vjp" not in traced()
