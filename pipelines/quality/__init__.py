"""Data quality: pure rules (freshness, volume anomalies, alert states, the publish gate),
Great Expectations suites generated from the contract, and alert delivery.

The Dagster wiring (asset checks, sensors) is in pipelines/defs/quality/; see
docs/data_quality.md.
"""
