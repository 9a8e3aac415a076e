"""chaos/toxics."""
