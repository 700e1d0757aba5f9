"""cairn's block world: a parallel-jaw gripper over a table with coloured blocks (``cairn:<task>`` ids).

The model is written here as MJCF. The gripper is a body on three slide joints (x, y, z; optionally a
yaw hinge) driven by velocity actuators — Cartesian velocity commands — with gravity compensation,
and two fingers on slide joints closed by position actuators from one grip command. Finger pads
carry touch sensors. Friction uses elliptic cones with impratio 10, so a grasped block stays in the grasp
(reward_version 4; see PHYSICS). The velocity servos (kv 40) let a held block's weight pull the gripper
down at 1.2 cm/s under a zero command, as a velocity-controlled arm without integral action would. Joint ranges keep the gripper above the table, and low walls (invisible)
keep the blocks on it.

Control at 20 Hz (5 physics steps of 10 ms per action); episodes of 200 steps by default (10 s),
ending by time limit (discount 1). Block start positions, the gripper's start and colours' order
are drawn from the seed; everything is deterministic given it.

Observation (flat float32, this order): gripper position (3), gripper velocity (3), finger opening (1),
touch of the two pads (2, log(1 + force)), then per block: position (3), orientation quaternion (4),
linear and angular velocity (6), gripper-to-block vector (3); ``observation_layout()`` names the slices.
Observations are in SI units (metres, m/s, rad/s); ``EnvSpec.observation_scale`` (``observation_scale()``)
gives the factors the learners multiply them by — positions in decimetres, finger opening ×20 — because
centimetre-sized differences that decide a grasp or a lift are otherwise tiny network inputs: single-task SAC
on ``cairn:reach-shaped`` reached the block on 20–54% of its training steps from 10k to 30k with them, 5–10%
without (seeds 0 and 1, 2026-12-05, docs/benchmarks.md).

Reward channels, every step, all of them always (the task's main channel first; see ``CHANNELS``):
  reach        pinch point within 2 cm of block 0's centre on every axis
  touch        both finger pads touching
  lift         block 0's centre ≥ 10 cm above the table (shaped: linear from 4 cm to 10 cm; the block rests
               at 2.5 cm and a cube tipped onto an edge stands at 3.5 cm)
  place        block 0 within 2 cm of the point 7 cm above block 1's centre (hovering over it)
  stack        block 0 resting on block 1: horizontal offset < 3 cm, height error < 1 cm, not grasped
  stack_leave  stack, with the pinch point at least 10 cm above block 0
Sparse rewards are 0/1; shaped ones (``cairn:<task>-shaped``) use 1 − tanh²(w·d), w = atanh(√0.95)/margin,
which is 0.05 at ``margin`` beyond the tolerance (the rgb_stacking convention), and equal 1 inside it.
Shaped reach is the mean of two such terms on the distance beyond the 2 cm box, margins 0.5 m and 0.1 m
(``REACH_MARGINS``): with the 0.1 m term alone the reward is below 0.006 from 15 cm away, so from most
start states (gripper 15–30 cm up, blocks anywhere on the 60 cm table) it gave almost no signal, and
single-task SAC on ``cairn:reach-shaped`` reached the block on 1.7–2.6% of its training
steps from 10k to 30k; with both terms, 6–10% (seed 0, 2026-11-25, docs/benchmarks.md). The wide term
alone made hovering above the block worth 0.99, with no pull down around it.
Both forms are on every step: after the six channels in the task's form come the same six in the
other form, named ``<channel>_shaped`` (sparse tasks) or ``<channel>_sparse`` (shaped tasks). So a
sparse task can give SAC-X auxiliary intentions on shaped channels (``--sacx.intentions reach_shaped``)
while its main task, its success and its evaluation stay sparse, and stored runs keep both forms.
"""

from __future__ import annotations

import math

import numpy as np

from cairn.envs.base import ActionAdapter
from cairn.types import EnvSpec, StepType, TimeStep

CHANNELS = ("reach", "touch", "lift", "place", "stack", "stack_leave")
TASKS = ("reach", "lift", "place", "stack")
BLOCK_HALF = 0.025  # 5 cm cubes
TABLE_HALF = 0.3  # the workspace: a 60 cm × 60 cm table area
CONTROL_DT, SUBSTEPS = 0.05, 5
MAX_SPEED = 0.5  # m/s per Cartesian axis at |action| = 1
FINGER_OPEN = 0.045  # each finger's travel from the centre: 9 cm fully open
REACH_TOL, PLACE_TOL, PLACE_HEIGHT = 0.02, 0.02, 0.07
REACH_MARGINS = (0.5, 0.1)  # reach_shaped: the mean of a workspace-wide and a near-block shaping
# EnvSpec.reward_version. "" (runs stored before 2026-11-25 07:00): reach_shaped was the 0.1 m term alone;
# "2": the mean over REACH_MARGINS; "3" (2026-12-05): lift_shaped rises from 4 cm instead of 5.5 cm — SAC-X
# v7's policies that raised the block and lost it before 10 cm had raised it to 4.1–6.4 cm (11 of 120
# evaluation episodes, bench/sacx_eval.py), mostly below 5.5 cm, where the shaped lift said nothing.
# "4" (2026-12-05): version 3's channels on a simulation whose grasps hold (PHYSICS below): with the earlier
# one a grasped block crept down between the closed pads, 2 cm in 150 steps (soft pyramidal friction), and
# v7's policies, which lift to the 40 cm ceiling, lost blocks that had crept to the fingertips (8 of 60
# episodes "lifted, dropped" at 300k, seed 0; bench/sacx_eval.py). Rewards are computed on the simulation, so a
# change of either is a new definition. Bump it whenever a channel's definition or the physics changes, and
# keep the older definitions that stored runs were recorded with in REWARD_DEFINITIONS: a run is resumed and
# evaluated with the definition it was recorded with.
REWARD_VERSION = "4"
REWARD_DEFINITIONS = {  # reward_version -> its parameters
    "2": {"lift_low": 0.055, "physics": 1}, "3": {"lift_low": 0.04, "physics": 1}, "4": {"lift_low": 0.04, "physics": 2}}
# physics 1: pyramidal friction cones, impratio 1. physics 2: elliptic cones with impratio 10 (MuJoCo's advice
# for grasping): a block held still slips 0.1 cm in 150 steps instead of 2 cm, and none is lost in the scripted
# grasp-lift-carry of tests/test_blocks.py; random-action speed unchanged (~4,000 steps/s). Tried and not
# taken: stiffer Cartesian servos (kv 200–400, ±5–20 N) to stop the gripper sagging under a held block
# (m·g/kv: 1.2 cm/s at kv 40, which a policy offsets with a small upward command) — their jerks on starting a
# lift made the block slip 2–17 cm. Both keep the velocity servos at kv 40.
PHYSICS = {1: {"option": "", "kv": 40, "force": ""}, 2: {"option": 'cone="elliptic" impratio="10"', "kv": 40, "force": ""}}
LIFT_HIGH = 0.10
STACK_XY, STACK_Z, LEAVE_HEIGHT = 0.03, 0.01, 0.10
TOUCH_THRESHOLD = 0.05  # newtons on a pad
COLOURS = ("0.85 0.2 0.2 1", "0.2 0.35 0.85 1", "0.2 0.7 0.3 1")


def _model_xml(num_blocks: int, yaw: bool, physics: int = 2) -> str:
    phys = PHYSICS[physics]
    blocks = "\n".join(
        f'''    <body name="block{i}" pos="{0.1 * i} 0 {BLOCK_HALF}">
      <freejoint name="block{i}"/>
      <geom name="block{i}" type="box" size="{BLOCK_HALF} {BLOCK_HALF} {BLOCK_HALF}" rgba="{COLOURS[i]}"
            mass="0.05" friction="1 0.005 0.0001" condim="3" contype="3" conaffinity="1"/>
    </body>''' for i in range(num_blocks))
    fingers = "\n".join(  # mirror images: each slides outwards from the centre line by its opening
        f'''      <body name="finger_{side}" pos="0 0 0" gravcomp="1">
        <joint name="finger_{side}" type="slide" axis="0 {sign} 0" range="0 {FINGER_OPEN}" damping="0.5"/>
        <geom name="finger_{side}" type="box" size="0.012 0.005 0.035" pos="0 {0.005 * sign} 0.02" rgba="0.4 0.4 0.4 1"
              mass="0.05" friction="1.5 0.01 0.001" condim="4"/>
        <site name="pad_{side}" type="box" size="0.013 0.004 0.025" pos="0 0.0 0.0" rgba="0 0 0 0"/>
      </body>''' for side, sign in (("left", -1), ("right", 1)))
    yaw_joint = '<joint name="yaw" type="hinge" axis="0 0 1" range="-1.57 1.57" damping="0.5"/>' if yaw else ""
    yaw_act = '<velocity name="yaw" joint="yaw" kv="2" ctrlrange="-1.5 1.5"/>' if yaw else ""
    wall = 'type="box" rgba="0 0 0 0" contype="0" conaffinity="2"'  # walls touch blocks only
    return f'''<mujoco model="cairn-blocks">
  <option timestep="{CONTROL_DT / SUBSTEPS}" integrator="implicitfast" {phys["option"]}/>
  <visual><quality shadowsize="0" offsamples="0"/><global offwidth="640" offheight="480"/></visual>
  <default>
    <joint armature="0.01"/>
  </default>
  <worldbody>
    <light pos="0 0 1.5" dir="0 0 -1" diffuse="0.8 0.8 0.8"/>
    <camera name="front" pos="0 -0.85 0.6" xyaxes="1 0 0 0 0.6 0.8"/>
    <geom name="table" type="plane" size="{TABLE_HALF + 0.1} {TABLE_HALF + 0.1} 0.01" rgba="0.6 0.55 0.5 1"/>
    <geom name="wall_px" {wall} pos="{TABLE_HALF + 0.01} 0 0.05" size="0.01 {TABLE_HALF + 0.02} 0.05"/>
    <geom name="wall_nx" {wall} pos="{-TABLE_HALF - 0.01} 0 0.05" size="0.01 {TABLE_HALF + 0.02} 0.05"/>
    <geom name="wall_py" {wall} pos="0 {TABLE_HALF + 0.01} 0.05" size="{TABLE_HALF + 0.02} 0.01 0.05"/>
    <geom name="wall_ny" {wall} pos="0 {-TABLE_HALF - 0.01} 0.05" size="{TABLE_HALF + 0.02} 0.01 0.05"/>
    <body name="gripper" pos="0 0 0" gravcomp="1">
      <joint name="x" type="slide" axis="1 0 0" range="{-TABLE_HALF + 0.03} {TABLE_HALF - 0.03}" damping="1"/>
      <joint name="y" type="slide" axis="0 1 0" range="{-TABLE_HALF + 0.03} {TABLE_HALF - 0.03}" damping="1"/>
      <joint name="z" type="slide" axis="0 0 1" range="{BLOCK_HALF} 0.4" damping="1"/>
      {yaw_joint}
      <geom name="palm" type="box" size="0.02 0.06 0.01" pos="0 0 0.065" rgba="0.3 0.3 0.3 1" mass="0.3"/>
      <site name="pinch" pos="0 0 0" size="0.006" rgba="1 1 0 0.6"/>  <!-- between the pads' centres -->
{fingers}
    </body>
{blocks}
  </worldbody>
  <contact>
    <exclude body1="gripper" body2="finger_left"/>
    <exclude body1="gripper" body2="finger_right"/>
    <exclude body1="finger_left" body2="finger_right"/>
  </contact>
  <actuator>
    <velocity name="x" joint="x" kv="{phys["kv"]}" ctrlrange="-{MAX_SPEED} {MAX_SPEED}"{phys["force"]}/>
    <velocity name="y" joint="y" kv="{phys["kv"]}" ctrlrange="-{MAX_SPEED} {MAX_SPEED}"{phys["force"]}/>
    <velocity name="z" joint="z" kv="{phys["kv"]}" ctrlrange="-{MAX_SPEED} {MAX_SPEED}"{phys["force"]}/>
    {yaw_act}
    <position name="finger_left" joint="finger_left" kp="150" ctrlrange="0 {FINGER_OPEN}"/>
    <position name="finger_right" joint="finger_right" kp="150" ctrlrange="0 {FINGER_OPEN}"/>
  </actuator>
  <sensor>
    <touch name="pad_left" site="pad_left"/>
    <touch name="pad_right" site="pad_right"/>
  </sensor>
</mujoco>'''


_W = math.atanh(math.sqrt(0.95))


def _shaped(distance: float, tolerance: float, margin: float) -> float:
    d = distance - tolerance
    return 1.0 if d <= 0.0 else 1.0 - math.tanh(_W / margin * d) ** 2


def shaped(distance, tolerance: float, margin: float):
    """1 inside ``tolerance``, then 1 − tanh²(w·(d − tol)) with w = atanh(√0.95)/margin (0.05 at d = tol + margin)."""
    d = np.maximum(np.asarray(distance, np.float64) - tolerance, 0.0)
    return 1.0 - np.tanh(_W / margin * d) ** 2


class BlockWorld:
    """One block-world task; ``task`` picks the main reward channel, ``shaped`` the reward form."""

    def __init__(self, task: str = "lift", seed: int | None = 0, shaped_rewards: bool = False, num_blocks: int = 2,
                 episode_length: int = 200, yaw: bool = False, reward_version: str = REWARD_VERSION):
        import mujoco

        if task not in TASKS:
            raise ValueError(f"unknown block-world task {task!r}; tasks: {', '.join(TASKS)}")
        if reward_version not in REWARD_DEFINITIONS:
            have = ", ".join(REWARD_DEFINITIONS)
            raise ValueError(f"the block world computes reward_version {have}, not {reward_version or 'first'!r}")
        self.reward_version = reward_version
        self._lift_low = REWARD_DEFINITIONS[reward_version]["lift_low"]
        if not 2 <= num_blocks <= 3:
            raise ValueError(f"num_blocks must be 2 or 3 (got {num_blocks})")
        self._mj = mujoco
        self.task, self.shaped_rewards, self.num_blocks = task, shaped_rewards, num_blocks
        self.episode_length, self.yaw = episode_length, yaw
        self.model = mujoco.MjModel.from_xml_string(
            _model_xml(num_blocks, yaw, REWARD_DEFINITIONS[reward_version]["physics"]))
        self.data = mujoco.MjData(self.model)
        m = self.model
        jid = lambda n: m.joint(n).id  # noqa: E731
        self._qpos_grip = np.array([m.jnt_qposadr[jid(n)] for n in ("x", "y", "z")])
        self._qvel_grip = np.array([m.jnt_dofadr[jid(n)] for n in ("x", "y", "z")])
        self._qpos_fingers = np.array([m.jnt_qposadr[jid(n)] for n in ("finger_left", "finger_right")])
        self._qpos_blocks = [m.jnt_qposadr[jid(f"block{i}")] for i in range(num_blocks)]
        self._qvel_blocks = [m.jnt_dofadr[jid(f"block{i}")] for i in range(num_blocks)]
        self._pinch = m.site("pinch").id
        self._touch = np.array([m.sensor_adr[m.sensor(n).id] for n in ("pad_left", "pad_right")])
        self._n_cart = 4 if yaw else 3
        # actuators: Cartesian velocities (and yaw rate), then both fingers from the one grip command
        self._ctrl_index = np.array(list(range(self._n_cart)) + [self._n_cart, self._n_cart])
        self._ctrl_scale = np.array([MAX_SPEED] * 3 + [1.5] * (self._n_cart - 3) + [FINGER_OPEN / 2] * 2)
        self._ctrl_offset = np.array([0.0] * self._n_cart + [FINGER_OPEN / 2] * 2)
        order = (task,) + tuple(c for c in CHANNELS if c != task)
        self._order = np.array([CHANNELS.index(c) for c in order])
        other = "sparse" if shaped_rewards else "shaped"
        names = order + tuple(f"{c}_{other}" for c in CHANNELS)
        # both forms come out of one computation [sparse (6), shaped (6)]; this picks the spec's order
        self._pick = np.concatenate([self._order + (len(CHANNELS) if shaped_rewards else 0),
                                     np.arange(len(CHANNELS)) + (0 if shaped_rewards else len(CHANNELS))])
        suffix = "-shaped" if shaped_rewards else ""
        self.env_id = f"cairn:{task}{suffix}"
        obs_size = 9 + num_blocks * 16
        self._act = ActionAdapter(self.env_id, -np.ones(self._n_cart + 1), np.ones(self._n_cart + 1))
        self.spec = EnvSpec(self.env_id, obs_size, self._n_cart + 1, reward_names=names,
                            action_low=(-1.0,) * (self._n_cart + 1), action_high=(1.0,) * (self._n_cart + 1),
                            reward_version=reward_version, observation_scale=observation_scale(num_blocks))
        self._rng = np.random.default_rng(seed)
        self._t = 0
        self._needs_reset = True
        self._renderer = None

    # -- episode ------------------------------------------------------------------------------------
    def reset(self) -> TimeStep:
        mj, d = self._mj, self.data
        mj.mj_resetData(self.model, d)
        lim = TABLE_HALF - 0.08
        placed = []
        for i in range(self.num_blocks):
            for _ in range(100):  # rejection sampling: blocks at least 8 cm apart
                xy = self._rng.uniform(-lim, lim, 2)
                if all(np.linalg.norm(xy - p) > 0.08 for p in placed):
                    break
            placed.append(xy)
            a = self._qpos_blocks[i]
            yaw = self._rng.uniform(-np.pi, np.pi)
            d.qpos[a:a + 7] = [xy[0], xy[1], BLOCK_HALF, np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)]
        d.qpos[self._qpos_grip] = [*self._rng.uniform(-lim, lim, 2), self._rng.uniform(0.15, 0.3)]
        d.qpos[self._qpos_fingers] = FINGER_OPEN
        d.ctrl[:] = 0.0
        d.ctrl[self._n_cart:] = FINGER_OPEN
        mj.mj_forward(self.model, d)
        self._t = 0
        self._needs_reset = False
        return TimeStep(StepType.FIRST, np.zeros(2 * len(CHANNELS), np.float32), 1.0, self._observation())

    def step(self, action) -> TimeStep:
        a = self._act(action)  # checks shape and finiteness before the simulator sees it
        if self._needs_reset:
            return self.reset()
        d = self.data
        d.ctrl[:] = a[self._ctrl_index] * self._ctrl_scale + self._ctrl_offset  # grip: −1 closes, +1 opens
        self._mj.mj_step(self.model, d, nstep=SUBSTEPS)
        self._t += 1
        last = self._t >= self.episode_length
        self._needs_reset = last
        reward = self._all_rewards()[self._pick].astype(np.float32)
        return TimeStep(StepType.LAST if last else StepType.MID, reward, 1.0, self._observation())

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    # -- state --------------------------------------------------------------------------------------
    def gripper_position(self) -> np.ndarray:
        return self.data.site_xpos[self._pinch].copy()

    def block_position(self, i: int) -> np.ndarray:
        a = self._qpos_blocks[i]
        return self.data.qpos[a:a + 3].copy()

    def touch(self) -> np.ndarray:
        return self.data.sensordata[self._touch].copy()

    def _observation(self) -> np.ndarray:
        d = self.data
        grip = d.site_xpos[self._pinch]
        parts = [grip, d.qvel[self._qvel_grip], [d.qpos[self._qpos_fingers].sum()], np.log1p(self.touch())]
        for i in range(self.num_blocks):
            a, v = self._qpos_blocks[i], self._qvel_blocks[i]
            parts += [d.qpos[a:a + 7], d.qvel[v:v + 6], d.qpos[a:a + 3] - grip]
        return np.concatenate(parts).astype(np.float32)

    def rewards(self, shaped_form: bool = False) -> np.ndarray:
        """Every channel in ``CHANNELS`` order, sparse (0/1) or shaped, for the current state."""
        both = self._all_rewards()
        return both[len(CHANNELS):] if shaped_form else both[:len(CHANNELS)]

    def _all_rewards(self) -> np.ndarray:
        """[sparse channels (CHANNELS order), shaped channels (CHANNELS order)] for the current state."""
        qpos = self.data.qpos
        gx, gy, gz = self.data.site_xpos[self._pinch]
        a0, a1 = self._qpos_blocks[0], self._qpos_blocks[1]
        x0, y0, z0 = qpos[a0:a0 + 3]
        x1, y1, z1 = qpos[a1:a1 + 3]
        t_left, t_right = self.data.sensordata[self._touch]
        grasped = t_left > TOUCH_THRESHOLD and t_right > TOUCH_THRESHOLD
        dx, dy, dz = abs(gx - x0), abs(gy - y0), abs(gz - z0)
        place_d = math.sqrt((x0 - x1) ** 2 + (y0 - y1) ** 2 + (z0 - z1 - PLACE_HEIGHT) ** 2)
        xy_d = math.hypot(x0 - x1, y0 - y1)
        z_err = abs(z0 - z1 - 2 * BLOCK_HALF)
        stacked = xy_d < STACK_XY and z_err < STACK_Z and not grasped
        above = gz - z0 - BLOCK_HALF
        reach_excess = math.sqrt(sum(max(v - REACH_TOL, 0.0) ** 2 for v in (dx, dy, dz)))
        stack_shaped = _shaped(xy_d, STACK_XY, 0.1) * _shaped(z_err, STACK_Z, 0.1) * (0.5 if grasped else 1.0)
        return np.array([
            dx < REACH_TOL and dy < REACH_TOL and dz < REACH_TOL, grasped, z0 >= LIFT_HIGH,
            place_d < PLACE_TOL, stacked, stacked and above >= LEAVE_HEIGHT,
            sum(_shaped(reach_excess, 0.0, m) for m in REACH_MARGINS) / len(REACH_MARGINS),
            ((t_left > TOUCH_THRESHOLD) + (t_right > TOUCH_THRESHOLD)) / 2.0,
            min(max((z0 - self._lift_low) / (LIFT_HIGH - self._lift_low), 0.0), 1.0),
            _shaped(place_d, PLACE_TOL, 0.1),
            stack_shaped,
            float(stacked) * _shaped(max(LEAVE_HEIGHT - above, 0.0), 0.0, 0.1),
        ], np.float64)

    def success(self) -> bool:
        """The main task's sparse criterion holds in the current state."""
        return bool(self.rewards(shaped_form=False)[CHANNELS.index(self.task)] == 1.0)

    def render(self, width: int = 320, height: int = 240, camera: str = "front") -> np.ndarray:
        """An RGB frame [height, width, 3] (offscreen: set MUJOCO_GL=egl or osmesa without a display)."""
        if self._renderer is None or (self._renderer.width, self._renderer.height) != (width, height):
            self._renderer = self._mj.Renderer(self.model, height, width)
        self._renderer.update_scene(self.data, camera=camera)
        return self._renderer.render()


GRIPPER_PARTS = (("gripper_position", 3), ("gripper_velocity", 3), ("finger_opening", 1), ("touch", 2))
BLOCK_PARTS = (("position", 3), ("quaternion", 4), ("velocity", 6), ("from_gripper", 3))


def observation_layout(num_blocks: int = 2) -> dict[str, slice]:
    """Where each part of the observation lies: ``gripper_position``, ``gripper_velocity``,
    ``finger_opening``, ``touch``, then ``block<i>/position``, ``/quaternion``, ``/velocity`` (linear and
    angular) and ``/from_gripper`` (block centre minus pinch point) for each block, as slices of the flat
    observation (e.g. for queries on stored ``observation`` columns; DuckDB's lists are 1-based)."""
    names = list(GRIPPER_PARTS)
    names += [(f"block{i}/{n}", k) for i in range(num_blocks) for n, k in BLOCK_PARTS]
    out, start = {}, 0
    for n, k in names:
        out[n] = slice(start, start + k)
        start += k
    return out


# factors by part of the observation (EnvSpec.observation_scale): lengths in decimetres, speeds in units of
# 0.5 m/s (the gripper's top speed), the finger opening (0–9 cm) in units of 5 cm; angular velocities ×0.5;
# quaternions and touch (log(1 + N)) are already of order 1
_PART_SCALES = {"gripper_position": 10.0, "gripper_velocity": 2.0, "finger_opening": 20.0, "touch": 1.0,
                "position": 10.0, "quaternion": 1.0, "velocity": (2.0,) * 3 + (0.5,) * 3, "from_gripper": 10.0}


def observation_scale(num_blocks: int = 2) -> tuple[float, ...]:
    """The per-entry factors of ``EnvSpec.observation_scale``: what the learners multiply an observation by."""
    out = []
    for name, part in observation_layout(num_blocks).items():
        factor = _PART_SCALES[name.rpartition("/")[2]]
        size = part.stop - part.start
        out += list(factor) if isinstance(factor, tuple) else [factor] * size
    return tuple(float(f) for f in out)


def block_world_ids() -> list[str]:
    return [f"cairn:{t}{s}" for t in TASKS for s in ("", "-shaped")]


def make_block_world(env_id: str, seed: int | None = 0, **kwargs) -> BlockWorld:
    name = env_id.partition(":")[2]
    shaped_rewards = name.endswith("-shaped")
    return BlockWorld(name.removesuffix("-shaped"), seed=seed, shaped_rewards=shaped_rewards, **kwargs)
