"""Human handoff: the agent queue, its API and console, and replies back to customers."""
