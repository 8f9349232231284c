"""Dashboard tests against a tiny hand-made warehouse."""
