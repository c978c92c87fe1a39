"""ParticipantRuntime: the participant side of the ACM protocol, driving an ElementHandler."""
