"""Offline agents: CRR, ABM, behaviour cloning (and OAC, which is MPO with ``bc_weight``)."""

from cairn.agents.offline.config import ABMConfig, BCConfig, CRRConfig, OfflineConfig
from cairn.agents.offline.learning import ABMLearner, BCLearner, CRRLearner, OfflineState

__all__ = ["ABMConfig", "ABMLearner", "BCConfig", "BCLearner", "CRRConfig", "CRRLearner", "OfflineConfig",
           "OfflineState"]
