"""harness/fakes."""
