"""The demo (seed_demo): its tests share one seeding (tests/demo/conftest.py)."""

DEMO_PASSWORD = "demo-pass-for-tests"
