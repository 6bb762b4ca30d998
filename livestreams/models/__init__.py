"""Models of every kind of live session, one module per subdomain; each module lists its models in __all__."""

from .classes import *  # noqa: F403
from .interaction import *  # noqa: F403
from .learning import *  # noqa: F403
from .media import *  # noqa: F403
from .meetings import *  # noqa: F403
from .reminders import *  # noqa: F403
from .room import *  # noqa: F403
from .sales import *  # noqa: F403
from .sessions import *  # noqa: F403
from .studios import *  # noqa: F403
