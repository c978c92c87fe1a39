"""kserve layer."""
