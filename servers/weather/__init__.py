"""servers/weather."""
