"""SAC-X: scheduled auxiliary control (one SAC intention per reward channel, SAC-U / SAC-Q schedulers)."""

from cairn.agents.sacx.config import SACXConfig
from cairn.agents.sacx.learning import SACXLearner
from cairn.agents.sacx.scheduler import Scheduler

__all__ = ["SACXConfig", "SACXLearner", "Scheduler"]
