"""Celery tasks of the live-session areas, one module each (rooms, classes, sales, media).

Celery's autodiscovery imports `livestreams.tasks`; importing every submodule here registers them all,
so adding an area's tasks never touches a shared file.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
