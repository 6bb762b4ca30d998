import io

import pytest
from django.core.management import call_command
from django.db import transaction

from tests.demo import DEMO_PASSWORD


@pytest.fixture(scope="package")
def seeded_demo(django_db_setup, django_db_blocker):
    """seed_demo run once for all the tests of this package (it takes half a minute): the demo is seeded
    inside a transaction that is rolled back after the package, and each test (marked django_db, not
    transactional) runs in a savepoint inside it, so what a test writes is gone before the next one.
    Returns the command's output."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("seed_demo", password=DEMO_PASSWORD, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
