"""Dashboards: officials (their region) and hub staff read them; every other signed-in role is refused."""

CHARTS = [
    "kpis",
    "sessions-by-month",
    "gmv-by-month",
    "attendance-by-branch",
    "branches-without-class",
    "tenants-by-industry",
    "top-merchants",
    "sales-by-platform",
    "live-now",
]


def setup(w):
    pass


def pages(w):
    readers = {
        "official": 200,
        "staff": 200,
        "organizer": 403,
        "merchant": 403,
        "member": 403,
        "outsider": 403,
        "anonymous": 302,
    }
    yield "/dashboard/", readers
    yield "/dashboard/screen/", readers
    yield "/dashboard/export.xlsx", readers
    for chart in CHARTS:
        yield f"/dashboard/data/{chart}.json", readers
        yield f"/dashboard/export/{chart}.xlsx", readers
    # Filters outside the official's district are refused with a message (400), never answered with data.
    outside = f"/dashboard/data/kpis.json?building={w.world.building_b.pk}"
    yield outside, {**readers, "official": 400}
    yield f"/dashboard/?organization={w.world.root_b.pk}", {**readers, "official": 400}
