"""Issue 11, item 15: names typed by people (Party organizations, enterprises) reach the dashboard's chart
tooltips, which ECharts inserts as HTML. Every tooltip formatter escapes; in chromium, a name carrying an
<img onerror> shows as text and runs nothing."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.conftest import browser_login
from tests.dashboard_fixtures import build_district
from tests.test_dashboard_browser import QUERY, assert_charts_drawn

pytestmark = pytest.mark.browser


def evil(n: int) -> str:
    return f"<img src=x onerror=window.__xss={n}>{n}"


SHOW_TIPS = """([slug, index]) => {
  const holder = document.querySelector(`[data-chart="${slug}"] [data-chart-canvas]`);
  const chart = echarts.getInstanceByDom(holder);
  chart.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: index });
  return chart.getOption().series[0].data.length;
}"""
TIP_TEXT = """(slug) => {
  const holder = document.querySelector(`[data-chart="${slug}"] [data-chart-canvas]`);
  return Array.from(holder.children).slice(1).map((d) => d.innerText).join("\\n");
}"""


def test_names_in_chart_tooltips_show_as_text_and_run_nothing(
    browser, hub_server, official, world, js_errors
):
    build_district(world)
    names = {}
    for n, org in enumerate([world.root_a, world.committee_a, world.branch_a, world.branch_a2], start=1):
        org.name = names[org.pk] = evil(n)
        org.save()
    world.enterprise_a.name = evil(9)
    world.enterprise_a.save()
    context = browser_login(browser, hub_server, official, viewport={"width": 1440, "height": 900})
    page = js_errors.watch(context.new_page())
    page.goto(f"{hub_server.url}/dashboard/?{QUERY}")
    assert_charts_drawn(page)
    seen = set()
    for slug in ["attendance-by-branch", "branches-without-class", "top-merchants", "sales-by-platform"]:
        count = page.evaluate(SHOW_TIPS, [slug, 0])
        for index in range(count):
            page.evaluate(SHOW_TIPS, [slug, index])
            # Had the name been parsed as HTML, the <img> would be in the page at once.
            assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0, slug
            try:
                # A bar without a value (a branch with no rate yet) may show no tooltip at all.
                page.wait_for_function(f"({TIP_TEXT})('{slug}').trim().length > 0", timeout=5000)
            except PlaywrightTimeout:
                continue
            text = page.evaluate(TIP_TEXT, slug)
            seen.update(name for name in [*names.values(), evil(9)] if name in text)
            assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0, slug
    # The branch charts and the merchants' ranking showed the names, as text.
    assert evil(9) in seen
    assert seen & {names[world.branch_a.pk], names[world.branch_a2.pk]}
    expect(page.locator('[data-chart="top-merchants"] [data-chart-table]')).to_contain_text(evil(9))
    assert page.evaluate("window.__xss") is None
    assert js_errors.list == []
    context.close()
