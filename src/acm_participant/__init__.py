"""acm_participant: a Python SDK for ONAP CLAMP ACM participants (no Kubernetes, no KServe)."""
