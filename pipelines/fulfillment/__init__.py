"""Fulfillment planning rules, free of I/O: routing, FEFO lots, substitution, bundles, gifts,
WMS documents and the interception list. The Dagster assets live in pipelines/defs/fulfillment/;
the rules and their reasons are described in docs/fulfillment.md."""
