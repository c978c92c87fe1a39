"""devstack layer."""
