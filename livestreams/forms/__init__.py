"""Forms of the live-session areas, one module per area."""
