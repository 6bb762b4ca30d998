"""Fixtures of the sales and studios tests, loaded with pytest_plugins = ["tests.sales_fixtures"]."""

from __future__ import annotations

from datetime import time

import pytest

from livestreams.services.sales import sales_session_approve
from tests import factories as f
from tests.sales_helpers import register


@pytest.fixture
def studio(world):
    return f.StudioFactory(
        building=world.building_a,
        name="一号直播间",
        opens_at=time(8),
        closes_at=time(22),
        changeover_minutes=30,
    )


@pytest.fixture
def other_studio(world):
    return f.StudioFactory(building=world.building_b, name="外直播间", opens_at=time(8), closes_at=time(22))


@pytest.fixture
def pending(world, merchant, studio):
    """A registered session with a held studio slot, awaiting approval."""
    return register(merchant, world.enterprise_a, studio=studio)


@pytest.fixture
def approved(pending, organizer):
    sales_session_approve(sales_session=pending, user=organizer)
    pending.refresh_from_db()
    return pending
