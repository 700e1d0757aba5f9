"""The experience store: every step of every run, as Parquet shards with a DuckDB catalog."""

from cairn.store.catalog import Store
from cairn.store.schema import steps_schema
from cairn.store.writer import StoreWriter

__all__ = ["Store", "StoreWriter", "steps_schema"]
