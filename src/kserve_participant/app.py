"""Composition root: builds transport, Kubernetes client, handler, runtime and HTTP server."""
