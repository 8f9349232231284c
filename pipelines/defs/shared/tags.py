"""Run tags more than one module reads."""

# Runs that build the warehouse: one at a time (dagster.yaml for daemon runs; `omnistock run`
# waits for them itself, pipelines/run_owner.py). Runs at the warehouse write in WAREHOUSE_POOL
# (pipelines/warehouse.py) step by step.
WAREHOUSE_WRITER_TAG = "omnistock/duckdb_writer"
