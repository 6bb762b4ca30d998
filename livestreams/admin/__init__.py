"""Admin of the live-session areas, one module each; importing them all registers every ModelAdmin."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
