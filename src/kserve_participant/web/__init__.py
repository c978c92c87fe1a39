"""HTTP endpoints (health, probes, Prometheus metrics) and the state and metrics they report.

Reads health state and the injected metrics registry; never drives the participant.
"""
