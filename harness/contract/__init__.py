"""harness/contract."""
