"""Reports across runs: learning curves with bootstrap bands and IQM tables (``cairn report``)."""

from cairn.report.report import build_report, collect, summarise
from cairn.report.stats import bootstrap_mean_band, iqm, stratified_bootstrap_ci, wilson_interval

__all__ = ["bootstrap_mean_band", "build_report", "collect", "iqm", "stratified_bootstrap_ci", "summarise",
           "wilson_interval"]
