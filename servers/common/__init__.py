"""servers/common."""
