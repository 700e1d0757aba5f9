"""Run Stable-Baselines3's or SBX's SAC on a Gymnasium task; run inside bench/.venv-peers (not cairn's env).

    python bench/peer_sac.py sb3|sbx ENV STEPS LEARNING_STARTS  → prints one JSON line
"""

import json
import sys
import time

t_start = time.perf_counter()
which, env_id, steps, learning_starts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
import gymnasium as gym  # noqa: E402

if which == "sb3":
    from stable_baselines3 import SAC

    kwargs = {"device": "cpu"}
else:
    from sbx import SAC

    kwargs = {}
env = gym.make(env_id)
# UTD 1 (train_freq=1, gradient_steps=1), batch 256, 256×256 networks: the defaults of both libraries.
model = SAC("MlpPolicy", env, learning_starts=learning_starts, batch_size=256, buffer_size=steps,
            policy_kwargs={"net_arch": [256, 256]}, verbose=0, seed=0, **kwargs)
t_learn = time.perf_counter()
model.learn(steps)
t_end = time.perf_counter()
print(json.dumps({"lib": which, "steps": steps, "learn_seconds": t_end - t_learn, "process_seconds": t_end - t_start}))
