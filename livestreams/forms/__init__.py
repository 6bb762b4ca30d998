"""Forms of the live-session areas, one module per area; they parse and validate, services write."""
