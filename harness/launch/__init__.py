"""harness/launch."""
