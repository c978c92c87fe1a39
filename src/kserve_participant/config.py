"""Settings read from the Java participant's application.yaml shape and its env overrides."""
