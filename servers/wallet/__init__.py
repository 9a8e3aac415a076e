"""servers/wallet."""
