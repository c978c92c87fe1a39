"""ACM runtime simulator driving ONAP TOSCA and instance files through the SDK driver."""
