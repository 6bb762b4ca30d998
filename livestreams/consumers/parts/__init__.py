"""Room parts: every module here registers its actions and snapshots (livestreams/consumers/registry.py)."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
