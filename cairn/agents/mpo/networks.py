"""MPO networks: a Gaussian policy (mean, std) and a critic with a scalar or categorical output."""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax import lax

from cairn.nets import norm
from cairn.nets.dense import Dense
from cairn.nets.norm import EPSILON, LayerNorm, layer_norm


def elu(x: jnp.ndarray) -> jnp.ndarray:
    """ELU (x for x > 0, eˣ − 1 otherwise), written with exp instead of expm1 as jax.nn.elu is.

    The same function to float32 rounding (|difference| < 1e-7), at half the cost on XLA-CPU: with
    N = 20 sampled actions the target critic applies it to 5,120 × 256 values per update, where
    expm1 took 0.84 ms and exp 0.37 ms (2 cores, 2026-11-24).
    """
    return jnp.where(x > 0, x, jnp.exp(jnp.where(x > 0, 0.0, x)) - 1.0)


ACTIVATIONS = {"elu": elu, "relu": nn.relu}
# Compute the critic's first LayerNorm per state when it gets N sampled actions per state
# (``factored_layer_norm``). Read when a function is traced; bench/mpo_speed.py switches it off to time
# the plain form side by side.
FACTORED_LAYER_NORM = True
# Sampled actions per chunk when ``sampled_q`` evaluates a critic on many actions per state (None: all at
# once). Read at trace time, like FACTORED_LAYER_NORM.
SAMPLE_CHUNK: int | None = 4


class LayerNormTorso(nn.Module):
    """Acme's LayerNormMLP torso: Dense → LayerNorm → tanh on the first layer (which keeps inputs of any
    scale well conditioned), then Dense → ELU (or ReLU) layers. ``final`` adds a linear output layer."""

    hidden: Sequence[int]
    final: int | None = None
    activation: str = "elu"

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        x = jnp.tanh(LayerNorm()(Dense(self.hidden[0])(x)))
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


def factored_layer_norm(o: jnp.ndarray, action: jnp.ndarray, w_act: jnp.ndarray, scale: jnp.ndarray,
                        bias: jnp.ndarray, eps: float = EPSILON) -> jnp.ndarray:
    """``layer_norm(o + action @ w_act)`` for per-state ``o`` [S, H] and many actions per state [N, S, A]
    (A ≪ H), with the statistics computed per state and per action instead of over N·S·H values.

    With o centred (ō = o − mean o) and the action weights centred per row (W̃ = W − mean_h W), the
    centred pre-activation is exactly ō + a·W̃, and its variance over the H units is
        var(ō) + (2/H)·a·(W̃ ō) + a·(W̃ W̃ᵀ/H)·a,
    where W̃ ō is one [S, A] product and W̃ W̃ᵀ an [A, A] one. What is left on the big tensor is one
    K = A product and one elementwise pass instead of the plain form's reductions and passes: 25%
    less time for the layer and 12% less for the whole N = 20 target-critic evaluation (XLA-CPU, one
    thread, 2026-11-24); about equal for N ≤ 8.
    """
    h = o.shape[-1]
    o_c = o - jnp.mean(o, axis=-1, keepdims=True)
    w_c = w_act - jnp.mean(w_act, axis=-1, keepdims=True)
    var = (jnp.mean(jnp.square(o_c), axis=-1)
           + (2.0 / h) * jnp.sum(action * (o_c @ w_c.T), axis=-1)
           + jnp.einsum("...a,ab,...b->...", action, (w_c @ w_c.T) / h, action))
    inv = jax.lax.rsqrt(jnp.maximum(var, 0.0) + eps)[..., None]
    # Written as (a·inv)·(W̃·scale) + inv·(ō·scale) so that the per-sample scaling rides on the small
    # [N, S, A] factor: ~25% faster on XLA-CPU than scaling the [N, S, H] sum (which was slower than the
    # plain form).
    return (action * inv) @ (w_c * scale) + inv * (o_c * scale) + bias


def rounded_dot_general(dtype):
    """A Dense layer's ``dot_general`` that rounds both operands to ``dtype`` (bfloat16) and accumulates
    and returns float32: the matrix product of a TPU's default precision, on a CPU with bfloat16 dot
    instructions (AVX512-BF16) about twice as fast as float32's (5,120 × 256 × 256: 3.1 ms against
    6.2 ms, one core, 2026-12-06). Inputs of 8 significant bits: meant for evaluations that are not
    differentiated (the target critic's N sampled actions per state)."""

    def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
        return lax.dot_general(lhs.astype(dtype), rhs.astype(dtype), dimension_numbers,
                               preferred_element_type=jnp.float32)

    return dot_general


def native_bfloat16(cpuinfo: str | None = None) -> bool:
    """Whether the default JAX backend multiplies bfloat16 matrices natively, i.e. faster than float32: a
    TPU, or a CPU whose flags list AVX512-BF16 or AMX-BF16 (read from /proc/cpuinfo, or ``cpuinfo``).
    Elsewhere bfloat16 products would be converted to float32 first and gain nothing (GPUs already
    multiply float32 in TF32 by default)."""
    backend = jax.default_backend()
    if backend == "tpu":
        return True
    if backend != "cpu":
        return False
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo") as f:
                cpuinfo = f.read()
        except OSError:
            return False
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines() if line.startswith("flags")), [])
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_sample_precision(precision: str, cpuinfo: str | None = None) -> str:
    """``MPOConfig.sample_precision`` as used: `auto` is `bfloat16` where ``native_bfloat16()``, else `float32`."""
    if precision != "auto":
        return precision
    return "bfloat16" if native_bfloat16(cpuinfo) else "float32"


class _Weights(nn.Module):
    """Declares the parameters of a layer (a Dense kernel, or a LayerNorm's scale and bias) under its own
    name, with that layer's shapes and initialisers, and returns them: the critic's first layer computes
    with them directly, and its parameter tree stays the one of Dense / LayerNorm modules."""

    kind: str
    shape: tuple[int, ...]

    @nn.compact
    def __call__(self):
        if self.kind == "kernel":
            return self.param("kernel", nn.initializers.lecun_normal(), self.shape)
        return norm.declare_params(self, self.shape[-1])


class Critic(nn.Module):
    """Q(s, a): LayerNorm torso on [obs, action]; ``outputs`` = 1 gives a scalar, else logits over atoms.

    The first layer is split as W_o·obs + W_a·action (the same function as a Dense layer on the
    concatenation), so ``obs`` [S, O] broadcasts against ``action`` [N, S, A]: the observation part is
    computed once per state, not once per sampled action, and so are most of the LayerNorm's
    statistics (``factored_layer_norm``). Parameters: ``obs_in``, ``act_in`` and ``LayerNorm_0`` as the
    Dense/LayerNorm layers they are. Each part is initialised as its own lecun_normal layer (variance 1/O
    and 1/A), not as one Dense layer on the concatenation (1/(O + A)): the action weights start larger.
    Initialising both parts at 1/(O + A), as SAC's critic is, was tried on cartpole-swingup (DMPO, the
    benchmark's flags, 2026-11-25): 377 and 763 at 50k for seeds 0 and 1 against 609 and 512 (mean 570 against
    561): no gain beyond the spread between seeds.
    """

    hidden: Sequence[int]
    outputs: int = 1
    activation: str = "elu"
    small_head: bool = False
    hidden_layer_norm: bool = False
    """LayerNorm (before the activation) in every hidden layer after the first, which has one already."""
    matmul_dtype: str | None = None
    """The hidden layers after the first multiply with operands rounded to this dtype and float32
    accumulation (``rounded_dot_general``); the first layer (factored over the N actions, little
    arithmetic) and the output head stay float32. Set by ``sampled_q`` on a clone, never on the trained
    critic. Rounding the head too made DMPO's update another 3% faster but the values' error 10× larger
    (E-step weights moved by 3.7% in total variation on a trained cartpole critic, against 0.8%)."""

    @nn.compact
    def __call__(self, obs: jnp.ndarray, action: jnp.ndarray) -> jnp.ndarray:
        width = self.hidden[0]
        o = Dense(width, name="obs_in")(obs)
        w_act = _Weights("kernel", (action.shape[-1], width), name="act_in")()
        scale, bias = _Weights("layer_norm", (width,), name="LayerNorm_0")()
        if action.ndim > obs.ndim and FACTORED_LAYER_NORM:  # N sampled actions per state
            x = factored_layer_norm(o, action, w_act, scale, bias)
        else:
            x = layer_norm(o + action @ w_act, scale, bias)
        x = jnp.tanh(x)
        rounded = {} if self.matmul_dtype is None else {"dot_general": rounded_dot_general(jnp.dtype(self.matmul_dtype))}
        for i, size in enumerate(self.hidden[1:], start=1):
            x = Dense(size, **rounded)(x)
            if self.hidden_layer_norm:
                x = LayerNorm(name=f"hidden_norm_{i}")(x)
            x = ACTIVATIONS[self.activation](x)
        head_init = (nn.initializers.variance_scaling(1e-5, "fan_in", "uniform") if self.small_head
                     else nn.initializers.lecun_normal())
        out = Dense(self.outputs, kernel_init=head_init)(x)  # float32: it sets the values' fine differences
        return out[..., 0] if self.outputs == 1 else out


def sampled_q(critic: nn.Module, params, obs: jnp.ndarray, actions: jnp.ndarray,
              matmul_dtype: str | None = None) -> jnp.ndarray:
    """``critic.apply(params, obs, actions)`` for N sampled actions per state, ``actions`` [N, S, A]: the
    same numbers, computed ``SAMPLE_CHUNK`` samples at a time in a loop (``lax.map``). With
    ``matmul_dtype`` ("bfloat16") the layers after the first multiply in that precision
    (``Critic.matmul_dtype``): the same parameters, outputs within its rounding.

    For N = 20 at 256 states the plain call builds [5,120, 256] hidden activations (5 MB), written out by
    one matrix product and read back by the next; chunks of 4 pass 1 MB arrays instead. On XLA-CPU that
    made MPO's update 5% faster and DMPO's no slower with two threads, and DMPO's 4–8% faster on one
    (bench/mpo_speed.py has both side by side). Meant for the target networks' evaluations, which are not
    differentiated.
    """
    if matmul_dtype not in (None, "float32"):
        critic = critic.clone(matmul_dtype=matmul_dtype)
    n, chunk = actions.shape[0], SAMPLE_CHUNK
    if chunk is None or chunk >= n or n % chunk:
        return critic.apply(params, obs, actions)
    out = jax.lax.map(lambda a: critic.apply(params, obs, a), actions.reshape(n // chunk, chunk, *actions.shape[1:]))
    return out.reshape(n, *out.shape[2:])


class MPONetworks(NamedTuple):
    policy: nn.Module  # obs [..., O] -> (mean [..., A], std [..., A])
    critic: nn.Module  # (obs [..., O], action [..., A]) -> q [...] or logits [..., K]
