"""MPO and DMPO: maximum a-posteriori policy optimisation with an expected or a distributional critic."""

from cairn.agents.mpo.config import MPOConfig
from cairn.agents.mpo.learning import MPOLearner, MPOState

__all__ = ["MPOConfig", "MPOLearner", "MPOState"]
