"""See ``acm_participant._core``."""
