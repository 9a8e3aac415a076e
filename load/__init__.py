"""load: Locust users that speak MCP (McpUser), the reference workload, SLO gates and fault timelines."""
