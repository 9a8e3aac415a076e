"""servers/knowledge."""
