"""Room page parts: every module here registers with livestreams.views.room_registry.room_page_part."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
