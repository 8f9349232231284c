"""Dashboards driven through a real Chromium."""
