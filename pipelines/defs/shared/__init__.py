"""What more than one domain under pipelines/defs/ uses: asset keys, the warehouse checks' declarations,
the writer tag, the run-failure alert helpers. Domains import this, never each other (.importlinter)."""
