"""Issue 6's "done when", tried as a new user would: with the demo's months of history the
supervisor (周云) opens the health page, sees what is going wrong, applies one
recommendation (刘洋, absent three times running, becomes an optional member), and
downloads the 例会制度 .docx before and after: the second is a new version that lists 刘洋
as an optional member, and the comparison page shows the change. Last, the review report's
.docx opens and carries its charts. Screenshots in <repo>/screenshots/improve-*.png."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

sync_api = pytest.importorskip("playwright.sync_api")
docx = pytest.importorskip("docx")

from lihui.people.models import Person  # noqa: E402
from lihui.regime.models import Membership, RegimeVersion, Series  # noqa: E402
from lihui.testing.browser import BROWSER_MARKS, Shots, browser_pages, follow, goto, zh  # noqa: E402

pytestmark = BROWSER_MARKS

DEMO_PASSWORD = "lihui-demo"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def new_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


def log_in_demo(page, username: str) -> None:
    page.goto("/")
    page.wait_for_url(re.compile(r"/login/\?next=/$"))
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    follow(page, "main form button[type=submit]", re.compile(r"/$"))


def download(page, locator) -> tuple[str, bytes]:
    with page.expect_download() as info:
        locator.click()
    d = info.value
    assert d.failure() is None, d.failure()
    with open(d.path(), "rb") as f:
        return d.suggested_filename, f.read()


def regime_facts(data: bytes, name: str) -> tuple[int, str | None, str]:
    """(version number, 刘洋's role in the roster table or None, the document's text)."""
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    version = re.search(r"第 (\d+) 版", text)
    assert version, f"no version line in the regime .docx: {text[:300]!r}"
    role = None
    header = zh("Role")
    for table in document.tables:
        head = [c.text.strip() for c in table.rows[0].cells]
        if header not in head:
            continue
        col = head.index(header)
        for row in table.rows[1:]:
            cells = [c.text.strip() for c in row.cells]
            if any(name in c for c in cells):
                role = cells[col]
    return int(version[1]), role, text


def test_supervisor_improves_the_weekly_meeting(new_page, tmp_path):
    call_command("demo", verbosity=0)
    series = Series.objects.get(title="运营周例会")
    liuyang = Person.objects.get(username="liuyang")
    assert Membership.objects.get(series=series, person=liuyang).role == Membership.Role.MEMBER
    shots = Shots("improve")
    page = new_page(width=1366, height=900)
    log_in_demo(page, "zhouyun")

    # 1. The organisation's health page advises on the series 周云 chairs; on to the weekly meeting's.
    goto(page, "/health/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    org = page.locator("[data-testid=recommendations]")
    assert org.locator(f'[data-key="absentee:{liuyang.pk}"]').count() == 1
    shots(page, "organisation")
    follow(page, org.get_by_role("link", name="运营周例会", exact=True), re.compile(rf"/series/{series.pk}/health/$"))
    card = page.locator("[data-testid=recommendations]")
    keys = set(card.locator(".recommendation").evaluate_all("els => els.map(e => e.dataset.key)"))
    assert {"overrun", f"absentee:{liuyang.pk}", "satisfaction"} <= keys, keys
    assert keys & {"reporting", "action_on_time"}, keys
    assert re.search(r"\d+", card.locator('[data-key="overrun"] strong').inner_text())
    assert "刘洋" in card.locator(f'[data-key="absentee:{liuyang.pk}"] strong').inner_text()
    if "reporting" in keys:
        assert re.search(r"\d+%", card.locator('[data-key="reporting"] strong').inner_text())
    assert "→" in card.locator('[data-key="satisfaction"] strong').inner_text()
    # The evidence opens under its advice.
    evidence = card.locator('[data-key="overrun"] details')
    evidence.locator("summary").click()
    assert evidence.locator("li").count() == 4
    # Charts are SVG with Chinese text.
    charts = page.locator("svg.chart")
    assert charts.count() >= 5
    assert any(CJK.search(t or "") for t in charts.evaluate_all("els => els.map(e => e.textContent)"))
    shots(page, "series-health")

    # 2. The regime document, as it stands.
    follow(page, page.get_by_role("link", name=zh("Regime document")), re.compile(rf"/series/{series.pk}/regime/$"))
    name1, data1 = download(page, page.locator("[data-testid=regime-docx]"))
    v1, role1, _text1 = regime_facts(data1, "刘洋")
    assert name1 == f"regime-{series.pk}-v{v1}.docx"
    assert role1 == zh("Member"), role1

    # 3. Apply the absentee recommendation.
    goto(page, f"/series/{series.pk}/health/")
    button = page.locator(f'[data-key="absentee:{liuyang.pk}"] button')
    assert button.inner_text().strip() == zh("Make %(name)s an optional member", name="刘洋") + "…"
    asking = re.compile(rf"/series/{series.pk}/recommendations/optional/\?")
    follow(page, button, asking)  # a page that shows the change and asks
    assert page.locator("[data-testid=confirm]").count() == 1
    assert Membership.objects.get(series=series, person=liuyang).role == Membership.Role.MEMBER
    shots(page, "apply-confirm")
    follow(page, page.locator("[data-testid=confirm] button[value=apply]"), asking)
    assert zh("%(name)s is now an optional member: invited, not expected.", name="刘洋") in page.locator("body").inner_text()
    assert page.locator("[data-testid=undo] button[value=undo]").count() == 1
    shots(page, "applied")
    goto(page, f"/series/{series.pk}/health/")
    assert page.locator(f'[data-key="absentee:{liuyang.pk}"]').count() == 0
    assert page.locator('[data-testid=recommendations] [data-key="overrun"]').count() == 1
    assert Membership.objects.get(series=series, person=liuyang).role == Membership.Role.OPTIONAL

    # 4. The regime document changed with the configuration: a new version naming 刘洋 optional.
    goto(page, f"/series/{series.pk}/regime/")
    assert str(v1 + 1) in page.locator("[data-testid=regime-version]").inner_text()
    name2, data2 = download(page, page.locator("[data-testid=regime-docx]"))
    v2, role2, text2 = regime_facts(data2, "刘洋")
    assert (v2, name2) == (v1 + 1, f"regime-{series.pk}-v{v2}.docx")
    assert role2 == zh("Optional member"), role2
    assert RegimeVersion.objects.filter(series=series, number=v2).exists()
    assert "运营周例会" in text2 and "第一章" in text2
    (tmp_path / "regime.docx").write_bytes(data2)
    follow(page, "[data-testid=regime-versions-card] form button", re.compile(rf"/regime/compare/\?a={v1}&b={v2}$"))
    diff = page.locator("[data-testid=regime-diff]")
    removed, added = diff.locator("del").all_inner_texts(), diff.locator("ins").all_inner_texts()
    assert any("刘洋" in line and f"| {zh('Member')} |" in line for line in removed), removed
    assert any("刘洋" in line and f"| {zh('Optional member')} |" in line for line in added), added
    assert any(f"第 {v2} 版" in line for line in added), added
    shots(page, "compare")

    # 5. The review report, and its Word version with the charts as pictures.
    goto(page, f"/series/{series.pk}/health/")
    follow(page, "[data-testid=review-link]", re.compile(rf"/series/{series.pk}/review/$"))
    shots(page, "review")
    name3, data3 = download(page, page.locator("[data-testid=review-docx]"))
    assert name3.startswith(f"review-{series.pk}-") and name3.endswith(".docx")
    review = docx.Document(io.BytesIO(data3))
    assert len(review.inline_shapes) >= 3
    assert "运营周例会" in "\n".join(p.text for p in review.paragraphs)
