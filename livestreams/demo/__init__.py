"""Demo data of the live-session areas, one module per area, each with a seed(ctx) function listed in
hub/dashboards/management/commands/seed_demo.py."""
