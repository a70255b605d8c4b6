"""Every console page in a real Chromium, in English and in Arabic: axe finds nothing, nothing
scrolls sideways at 390 or 320 px, and Arabic pages are marked right to left. Then an Arabic
journey at 390 px: the language chosen on the sign-in page, a sign-in typed with capitals (and
so Shift), an intake in Arabic with a list of addresses, a note, and a reload and a Back that
keep what was typed.

One signed-in context per language (its session made directly, as the console's HTTP tests
make theirs), and each page loaded once for all its checks: the narrower width is a resize.
Set RECLAIM_SCREENSHOTS to a folder to keep each Arabic page at 390 px.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.web.access import limits
from reclaim.web.console.models import CaseNote, Draft

from ..web.console import fixtures
from ..web.console.pages import SIGN_IN, ConsolePages, console_rows
from .conftest import AXE_SCRIPT, axe_report
from .test_console import PASSWORD, USERNAME, orm_beside_playwright  # noqa: F401

PHONE = {"width": 390, "height": 844}
NARROWEST = 320
PASTED_AR = """أرسلت الناجية هذه العناوين:
https://x.com/someone/status/111
https://x.com/someone/status/222
https://x.com/someone/status/111
"""


@pytest.fixture
def rows(
    orm_beside_playwright: None,  # noqa: F811
    live_server: Any,
    transactional_db: None,
    settings: SettingsWrapper,
    tmp_path: Path,
) -> Iterator[tuple[str, ConsolePages]]:
    settings.SERVICE = True
    settings.HELPLINE_SECRET = fixtures.HELPLINE_SECRET
    settings.STAFF_IDLE_SECONDS = 15 * 60
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    limits.reset()
    yield live_server.url, console_rows(tmp_path)
    limits.reset()


def _context(browser: Browser, origin: str, code: str, session: str = "") -> BrowserContext:
    context = browser.new_context(viewport=PHONE)  # type: ignore[arg-type]
    cookies = [{"name": "django_language", "value": code, "url": origin}]
    if session:
        cookies.append({"name": "sessionid", "value": session, "url": origin})
    context.add_cookies(cookies)  # type: ignore[arg-type]
    context.add_init_script(script=AXE_SCRIPT)  # once per context, not injected per page
    return context


def _check(page: Page, code: str, name: str, problems: list[str]) -> None:
    """Axe, the page's language and direction, and no sideways scroll at 390 and 320 px."""
    direction = "rtl" if code == "ar" else "ltr"
    marked = page.evaluate("[document.documentElement.lang, document.documentElement.dir]")
    if marked != [code, direction]:
        problems.append(f"{code} {name}: html lang/dir {marked}")
    report = axe_report(page)
    if report:
        problems.append(f"{code} {name}:\n{report}")
    folder = os.environ.get("RECLAIM_SCREENSHOTS")
    if folder and code == "ar":
        page.screenshot(path=str(Path(folder) / f"console-ar-390-{name}.png"), full_page=True)
    for width in (PHONE["width"], NARROWEST):
        page.set_viewport_size({"width": width, "height": PHONE["height"]})
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            problems.append(f"{code} {name}: {wide} px wide at {width} px")
    page.set_viewport_size(PHONE)


def test_every_console_page_in_english_and_arabic(
    rows: tuple[str, ConsolePages], browser: Browser
) -> None:
    origin, pages = rows
    problems: list[str] = []
    for code in ("en", "ar"):
        context = _context(browser, origin, code)
        page = context.new_page()
        for shown in SIGN_IN[:1]:
            page.goto(origin + shown.path)
            _check(page, code, shown.name, problems)
        context.close()
        session = fixtures.signed_in(pages.boss).cookies["sessionid"].value
        context = _context(browser, origin, code, session)
        page = context.new_page()
        for shown in pages.pages(code):
            if shown.posted is not None:
                continue  # answers to forms: read through the test client (test_no_english_left)
            response = page.goto(origin + shown.path)
            assert response is not None and response.status == shown.status, (code, shown.name)
            _check(page, code, shown.name, problems)
        context.close()
    assert problems == [], "\n".join(problems)


def test_an_arabic_journey_at_phone_width(rows: tuple[str, ConsolePages], browser: Browser) -> None:
    origin, pages = rows
    member = fixtures.member(pages.line, USERNAME, "caseworker")
    member.user.set_password(PASSWORD)
    member.user.save()
    context = browser.new_context(viewport=PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(origin + "/console/")
    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    page.get_by_role("button", name="العربية").click()
    expect(page.get_by_role("heading", name="تسجيل الدخول إلى وحدة التحكم")).to_be_visible()
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.get_by_label("اسم المستخدم").press_sequentially(USERNAME)
    page.get_by_label("كلمة المرور").press_sequentially(PASSWORD)
    device = member.user.totpdevice_set.get()
    page.get_by_label("الرمز من تطبيق المصادقة").press_sequentially(fixtures.current_code(device))
    page.get_by_role("button", name="سجّل الدخول").click()
    expect(page.get_by_role("heading", name="قائمة الانتظار: القضايا")).to_be_visible()

    page.get_by_role("link", name="قضية جديدة").click()
    page.get_by_label("كيف تواصلوا معنا").select_option("phone")
    page.get_by_label("كيف نتواصل معهم").select_option("phone")
    page.get_by_label("لا، أو لستُ متأكدًا: لا تستخدمها أبدًا").check()
    page.get_by_label("لا", exact=True).check()
    page.get_by_label("ما الذي حدث").press_sequentially("نشرها شريكها السابق؛ تريد إزالتها.")
    page.get_by_label(re.compile("^العناوين التي يوجد فيها المحتوى")).fill(PASTED_AR)
    expect(page.get_by_text(re.compile("^حُفظت المسودة"))).to_be_visible()
    typed = page.get_by_label("ما الذي حدث").input_value()
    page.reload()
    assert page.get_by_label("ما الذي حدث").input_value() == typed, "a reload keeps what was typed"
    page.get_by_role("link", name="قائمة الانتظار").first.click()
    page.go_back()
    assert page.get_by_label("ما الذي حدث").input_value() == typed, "Back keeps what was typed"
    assert Draft.objects.count() == 1
    page.get_by_role("button", name="افتح القضية").click()
    expect(page.get_by_text("العناوين التي تم التعرف عليها: 2.")).to_be_visible()
    page.get_by_role("link", name="انتقل إلى القضية").click()
    page.get_by_role("link", name="الملاحظات").click()
    page.get_by_label("ملاحظة جديدة").fill("اتصلت مجددًا؛ البريد آمن بعد السادسة.")
    page.get_by_role("button", name="احفظ الملاحظة").click()
    expect(page.get_by_text("اتصلت مجددًا؛ البريد آمن بعد السادسة.")).to_be_visible()
    assert CaseNote.objects.count() == 2  # the one made with the rows, and this one
    problems: list[str] = []
    _check(page, "ar", "journey-notes", problems)
    context.close()
    assert problems == [], "\n".join(problems)
