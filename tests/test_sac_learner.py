import jax
import numpy as np
import pytest

from cairn.agents.sac import SACConfig, SACLearner
from cairn.types import EnvSpec, Transition

SPEC = EnvSpec("test:x", observation_size=4, action_size=2)


def batch(rng, n=32):
    return Transition(rng.standard_normal((n, 4), np.float32), rng.uniform(-1, 1, (n, 2)).astype(np.float32),
                      rng.standard_normal(n).astype(np.float32), np.ones(n, np.float32),
                      rng.standard_normal((n, 4), np.float32))


def test_updates_change_params_polyak_targets_and_compile_once():
    cfg = SACConfig(hidden_sizes=(16, 16), batch_size=32, tau=0.05)
    learner = SACLearner(SPEC, cfg)
    state = learner.init(jax.random.PRNGKey(0))
    rng = np.random.default_rng(0)
    before = jax.device_get(state)  # the update donates its input buffers
    state, metrics = learner.update(state, batch(rng))
    after = jax.device_get(state)
    for m in ("critic_loss", "actor_loss", "alpha_loss", "alpha", "entropy"):
        assert np.isfinite(float(metrics[m]))
    assert bool(metrics["finite"])
    # target ← (1 − τ)·target + τ·critic, starting from target = critic
    leaves = zip(jax.tree.leaves(before.target_critic_params), jax.tree.leaves(after.critic_params),
                 jax.tree.leaves(after.target_critic_params))
    for old_t, new_c, new_t in leaves:
        np.testing.assert_allclose(new_t, 0.95 * old_t + 0.05 * new_c, rtol=1e-5, atol=1e-6)
    changed = [not np.allclose(a, b) for a, b in zip(jax.tree.leaves(before.actor_params), jax.tree.leaves(after.actor_params))]
    assert all(changed)
    assert float(after.log_alpha) != float(before.log_alpha) and int(after.steps) == 1
    for _ in range(5):
        state, metrics = learner.update(state, batch(rng))
    assert learner.update._cache_size() == 1  # one compilation for every batch of the same shape


def test_twin_critics_are_initialised_independently():
    learner = SACLearner(SPEC, SACConfig(hidden_sizes=(8,), num_critics=3))
    params = learner.init(jax.random.PRNGKey(1)).critic_params
    k = jax.tree.leaves(params)[-1]  # kernels stacked on the critic axis
    assert k.shape[0] == 3 and not np.allclose(k[0], k[1])


def test_act_and_eval_act_shapes_and_bounds():
    learner = SACLearner(SPEC, SACConfig(hidden_sizes=(8,)))
    state = learner.init(jax.random.PRNGKey(0))
    obs = np.zeros((5, 4), np.float32)
    a, lp, key = learner.act(state.actor_params, obs, np.asarray(jax.random.PRNGKey(3)))
    assert a.shape == (5, 2) and lp.shape == (5,) and np.all(np.abs(a) <= 1)
    a2, _, _ = learner.act(state.actor_params, obs, key)
    assert not np.allclose(a, a2)  # the returned key advances the stream
    d = learner.eval_act(state.actor_params, obs)
    np.testing.assert_array_equal(d, learner.eval_act(state.actor_params, obs))


@pytest.mark.parametrize("field, value", [("tau", 0.0), ("gamma", 1.5), ("batch_size", 0), ("actor_lr", -1.0), ("n_step", 0)])
def test_config_rejects_bad_values(field, value):
    from cairn.errors import ConfigError

    with pytest.raises(ConfigError, match=field):
        SACConfig(**{field: value})
