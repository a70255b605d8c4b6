"""Every console page in a real Chromium, in English and in Arabic: axe finds nothing, nothing
scrolls sideways at 390 or 320 px, and Arabic pages are marked right to left. Then an Arabic
journey at 390 px: the language chosen on the sign-in page, a sign-in typed with capitals (and
so Shift), an intake in Arabic with a list of addresses, a note, and a reload and a Back that
keep what was typed.

The worker's console tab (tests/browser/console_site.py), signed in for each language with a
session made directly (as the console's HTTP tests make theirs), and each page loaded once for
all its checks, which one call into the page runs: the narrower width is a resize.
Set RECLAIM_SCREENSHOTS to a folder to keep each Arabic page at 390 px.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

from reclaim.web.console.models import CaseNote, Draft

from ..web.console import fixtures
from ..web.console.pages import SIGN_IN, ConsolePages, console_rows
from .console_site import (  # noqa: F401  # fixtures
    NARROWEST,
    PASSWORD,
    PHONE,
    USERNAME,
    _console_tab,
    console_origin,
    console_tab,
    look,
    orm_beside_playwright,
    screenshot,
    sign_in_cookies,
)

PASTED_AR = """أرسلت الناجية هذه العناوين:
https://x.com/someone/status/111
https://x.com/someone/status/222
https://x.com/someone/status/111
"""


@pytest.fixture
def rows(console_origin: str, tmp_path: Path) -> tuple[str, ConsolePages]:  # noqa: F811
    return console_origin, console_rows(tmp_path)


class Sweep:
    """Checks each page the tab loads: axe, the page's language and direction, and no
    sideways scroll at 390 and at 320 px; notes what it finds, and any request elsewhere.

    axe runs at 390 px. The other width is a resize of the loaded page (which lays it out
    again, as loading it at that width would), and the tab stays at the width it was resized
    to: the next page is loaded there and checked at it first, then resized back to 390 px
    for axe. So each page takes one resize, not two.
    """

    def __init__(self, page: Page, origin: str) -> None:
        self.page, self.origin = page, origin
        self.problems: list[str] = []
        self.elsewhere: list[str] = []
        page.on("request", self._note)

    def _note(self, request: Request) -> None:
        if not request.url.startswith(self.origin + "/"):
            self.elsewhere.append(request.url)

    def check(self, code: str, name: str) -> None:
        page = self.page
        size = page.viewport_size
        if size is not None and size["width"] == NARROWEST:
            self._reflows(code, name, page.evaluate("document.documentElement.scrollWidth"))
            page.set_viewport_size(PHONE)
            self._look(code, name)
        else:
            self._look(code, name)
            page.set_viewport_size({"width": NARROWEST, "height": PHONE["height"]})
            self._reflows(code, name, page.evaluate("document.documentElement.scrollWidth"))

    def _look(self, code: str, name: str) -> None:
        found = look(self.page)
        direction = "rtl" if code == "ar" else "ltr"
        if [found.lang, found.dir] != [code, direction]:
            self.problems.append(f"{code} {name}: html lang/dir {[found.lang, found.dir]}")
        if found.axe:
            self.problems.append(f"{code} {name}:\n{found.axe}")
        self._reflows(code, name, found.width)
        if code == "ar":
            screenshot(self.page, f"ar-390-{name}")

    def _reflows(self, code: str, name: str, wide: int) -> None:
        width = self.page.viewport_size["width"] if self.page.viewport_size else 0
        if wide > width:
            self.problems.append(f"{code} {name}: {wide} px wide at {width} px")

    def finish(self) -> None:
        self.page.remove_listener("request", self._note)
        assert self.elsewhere == [], "console pages fetch only from their own site"
        assert self.problems == [], "\n".join(self.problems)


def test_every_console_page_in_english_and_arabic(
    rows: tuple[str, ConsolePages],
    console_tab: Page,  # noqa: F811
) -> None:
    origin, pages = rows
    page = console_tab
    sweep = Sweep(page, origin)
    for code in ("en", "ar"):
        page.context.clear_cookies()
        sign_in_cookies(page, origin, code)
        for shown in SIGN_IN[:1]:
            page.goto(origin + shown.path)
            sweep.check(code, shown.name)
        session = fixtures.signed_in(pages.boss).cookies["sessionid"].value
        sign_in_cookies(page, origin, code, session)
        for shown in pages.pages(code):
            if shown.posted is not None:
                continue  # answers to forms: read through the test client (test_no_english_left)
            response = page.goto(origin + shown.path)
            assert response is not None and response.status == shown.status, (code, shown.name)
            sweep.check(code, shown.name)
    sweep.finish()


def test_an_arabic_journey_at_phone_width(
    rows: tuple[str, ConsolePages],
    console_tab: Page,  # noqa: F811
) -> None:
    origin, pages = rows
    member = fixtures.member(pages.line, USERNAME, "caseworker")
    member.user.set_password(PASSWORD)
    member.user.save()
    page = console_tab
    sweep = Sweep(page, origin)  # notes any request elsewhere from here on
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
    sweep.check("ar", "journey-notes")
    sweep.finish()
