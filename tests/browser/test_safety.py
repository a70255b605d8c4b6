"""Leaving quickly in a real browser: the Shift shortcut, the button with and without
JavaScript, what is cleared, and the first-visit explanation."""

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

SESSION_COOKIE = "sessionid"


def plant_traces(context: BrowserContext, page: Page, site: str) -> None:
    """Leave a session cookie and a stored value, as a visit with an account would."""
    context.add_cookies([{"name": SESSION_COOKIE, "value": "abc", "url": site}])
    page.evaluate("localStorage.setItem('reclaim.plan.shared', '[\"breathe\"]')")


def assert_traces_gone(context: BrowserContext, site: str) -> None:
    assert context.cookies(site) == []
    check = context.new_page()
    check.goto(site + "/static/support/site.css")  # same origin, a page that stores nothing
    assert check.evaluate("localStorage.length") == 0
    check.close()


def test_pressing_shift_three_times_leaves_for_the_neutral_site(
    reused_page: Page, site: str, neutral_url: str
) -> None:
    page, context = reused_page, reused_page.context
    page.goto(site + "/en/plan/shared/")
    plant_traces(context, page, site)
    dots = page.locator("[data-exit-dots] span.pressed")
    page.keyboard.press("Shift")
    expect(dots).to_have_count(1)
    expect(page.locator("[data-exit-status]")).to_contain_text("1")
    page.keyboard.press("Shift")
    expect(dots).to_have_count(2)
    page.keyboard.press("Shift")
    page.wait_for_url(neutral_url)
    assert_traces_gone(context, site)


def test_two_presses_do_nothing(reused_page: Page, site: str) -> None:
    page = reused_page
    page.goto(site + "/en/")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.wait_for_timeout(300)
    assert page.url == site + "/en/"


def test_exit_replaces_the_page_so_back_does_not_return_to_it(
    reused_page: Page, site: str, neutral_url: str
) -> None:
    page = reused_page
    page.goto(site + "/en/guides/keeping-evidence/")
    page.get_by_role("link", name="Exit this page").click()
    page.wait_for_url(neutral_url)
    page.go_back()
    assert "keeping-evidence" not in page.url


def test_exit_button_works_without_javascript(
    browser: Browser, site: str, neutral_url: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site + "/ur/plan/threatened/")
        context.add_cookies([{"name": SESSION_COOKIE, "value": "abc", "url": site}])
        page.locator("a.exit-button").click()
        page.wait_for_url(neutral_url)
        assert context.cookies(site) == []
    finally:
        context.close()


def test_first_visit_explains_the_exit_and_remembers_it_was_read(
    reused_page: Page, site: str
) -> None:
    page = reused_page  # nothing stored: the last test's cookies and stored values are gone
    page.goto(site + "/en/")
    intro = page.locator("[data-safety-intro]")
    expect(intro).to_be_visible()
    expect(intro).to_contain_text("does not clear your browser history")
    page.get_by_role("button", name="Got it").click()
    expect(intro).to_be_hidden()
    page.goto(site + "/en/guides/")
    expect(intro).to_be_hidden()


def test_checklist_ticks_stay_in_this_browser_until_exit(
    reused_page: Page, site: str, neutral_url: str
) -> None:
    page = reused_page
    page.goto(site + "/en/plan/threatened/")
    first = page.locator("input[data-step]").first
    first.check()
    page.reload()
    expect(page.locator("input[data-step]").first).to_be_checked()
    page.get_by_role("link", name="Exit this page").click()
    page.wait_for_url(neutral_url)
    page.goto(site + "/en/plan/threatened/")
    expect(page.locator("input[data-step]").first).not_to_be_checked()


def test_arabic_pages_are_laid_out_right_to_left(reused_page: Page, site: str) -> None:
    page = reused_page
    page.set_viewport_size({"width": 800, "height": 600})
    page.goto(site + "/ar/guides/coping/")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    exit_box = page.locator("a.exit-button").bounding_box()
    brand_box = page.locator("a.brand").bounding_box()
    assert exit_box is not None and brand_box is not None
    assert exit_box["x"] < 400 < brand_box["x"], "exit on the left, brand on the right"
    heading = page.locator("h1").bounding_box()
    assert heading is not None and heading["x"] + heading["width"] > 700, "text starts at the right"
    list_item = page.locator("main li").first
    padding = list_item.evaluate("li => getComputedStyle(li.parentElement).paddingRight")
    assert padding != "0px", "list indentation is on the right"


def test_english_pages_stay_left_to_right(reused_page: Page, site: str) -> None:
    page = reused_page
    page.set_viewport_size({"width": 800, "height": 600})
    page.goto(site + "/en/guides/coping/")
    exit_box = page.locator("a.exit-button").bounding_box()
    assert exit_box is not None and exit_box["x"] > 400


# Every kind of field a person types into, added to a real page as its forms have them.
FIELD_KINDS = ("text", "textarea", "password", "search", "url")
ADD_FIELDS = """kinds => {
  for (const kind of kinds) {
    const field = document.createElement(kind === "textarea" ? "textarea" : "input");
    if (kind !== "textarea") { field.type = kind; }
    field.id = "typed-" + kind;
    field.setAttribute("aria-label", kind);
    document.getElementById("main").prepend(field);
  }
}"""


def type_with_shift(page: Page, words: str) -> None:
    """Type as a person does: Shift held down for each capital, released after it.

    "Shift+KeyH" sends Shift down, H down, H up, Shift up; a run of other characters goes
    in one call that presses each key in turn (one round trip to the browser, not many).
    """
    for run in re.findall(r"[A-Z]|[^A-Z]+", words):
        if run.isupper():
            page.keyboard.press(f"Shift+Key{run}")
        else:
            page.keyboard.type(run)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_typing_capitals_in_any_field_never_leaves(
    reused_page: Page, site: str, language: str
) -> None:
    page = reused_page
    page.goto(f"{site}/{language}/locker/set-up/")
    page.evaluate(ADD_FIELDS, [kind for kind in FIELD_KINDS if kind != "password"])
    fields = [f"#typed-{kind}" for kind in FIELD_KINDS if kind != "password"]
    fields += ["#id_passphrase", "#id_passphrase_again"]  # the locker's real password fields
    for selector in fields:
        page.locator(selector).click()
        type_with_shift(page, "He Said Pay")
        type_with_shift(page, " My Blue Kettle")
        expect(page.locator(selector)).to_have_value("He Said Pay My Blue Kettle")
        expect(page.locator("[data-exit-dots] span.pressed")).to_have_count(0)
    assert page.url == f"{site}/{language}/locker/set-up/"


# On the Arabic keyboard Shift gives the short vowels and letters such as "آ" (Shift+N).
ARABIC_SHIFTED = {"KeyQ": "َ", "KeyW": "ً", "KeyE": "ُ", "KeyN": "آ", "KeyY": "إ", "KeyH": "أ"}
SHIFT_MODIFIER = 8  # the Chrome DevTools Protocol's bit for Shift


def test_arabic_letters_typed_with_shift_never_leave(reused_page: Page, site: str) -> None:
    page = reused_page
    page.goto(f"{site}/ar/")
    page.evaluate(ADD_FIELDS, ["textarea"])
    page.locator("#typed-textarea").click()
    # Playwright knows only the US layout; the DevTools protocol sends the keys an Arabic
    # layout sends: Shift down, the key with its Arabic letter, both up.
    cdp = page.context.new_cdp_session(page)
    shift = {"key": "Shift", "code": "ShiftLeft", "windowsVirtualKeyCode": 16}
    for code, letter in ARABIC_SHIFTED.items():
        cdp.send(
            "Input.dispatchKeyEvent", {"type": "rawKeyDown", **shift, "modifiers": SHIFT_MODIFIER}
        )
        key = {"key": letter, "code": code, "modifiers": SHIFT_MODIFIER}
        cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": letter, **key})
        cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", **key})
        cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", **shift, "modifiers": 0})
    cdp.detach()
    expect(page.locator("#typed-textarea")).to_have_value("".join(ARABIC_SHIFTED.values()))
    page.wait_for_timeout(300)
    assert page.url == f"{site}/ar/"


def test_another_key_between_presses_starts_the_count_again(reused_page: Page, site: str) -> None:
    page = reused_page
    page.goto(site + "/en/")
    dots = page.locator("[data-exit-dots] span.pressed")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    expect(dots).to_have_count(2)
    page.keyboard.press("a")
    # Well inside the 5 s window, so only the other key can have reset the count.
    expect(dots).to_have_count(0, timeout=1000)
    expect(page.locator("[data-exit-status]")).to_have_text("", timeout=1000)
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.wait_for_timeout(300)
    assert page.url == site + "/en/"


@pytest.mark.parametrize("language", ["en", "ar"])
def test_shift_alone_three_times_leaves_even_from_a_field(
    reused_page: Page, site: str, neutral_url: str, language: str
) -> None:
    page = reused_page
    page.goto(f"{site}/{language}/locker/set-up/")
    page.locator("#id_passphrase").click()
    type_with_shift(page, "My Blue")
    for press in (1, 2):
        page.keyboard.press("Shift")
        expect(page.locator("[data-exit-dots] span.pressed")).to_have_count(press)
        expect(page.locator("[data-exit-status]")).not_to_have_text("")
    page.keyboard.press("Shift")
    page.wait_for_url(neutral_url)


@pytest.mark.parametrize("path", ["/en/locker/", "/ar/locker/set-up/", "/en/protect/case/"])
def test_opening_the_locker_pages_sets_no_cookie(reused_page: Page, site: str, path: str) -> None:
    page = reused_page  # with no cookie: the last test's are gone
    page.goto(site + path)
    expect(page.locator("a.exit-button")).to_be_visible()
    assert page.context.cookies(site) == []


def test_a_form_sent_from_another_site_is_refused(
    reused_page: Page, site: str, neutral_url: str
) -> None:
    page = reused_page
    page.goto(neutral_url)  # another origin on loopback: Chromium says "same-site", not ours
    with page.expect_navigation():
        page.evaluate(
            """action => {
              const form = document.createElement("form");
              form.method = "post";
              form.action = action;
              for (const name of ["passphrase", "passphrase_again"]) {
                const field = document.createElement("input");
                field.name = name;
                field.value = "chosen by someone else";
                form.append(field);
              }
              document.body.append(form);
              form.submit();
            }""",
            site + "/en/locker/set-up/",
        )
    expect(page.locator("h1")).to_have_text("This page could not be opened")
    page.goto(site + "/en/locker/")
    expect(page.locator("a[href='/en/locker/set-up/']").first).to_be_visible()


def test_shift_held_while_clicking_is_not_a_press(reused_page: Page, site: str) -> None:
    page = reused_page
    page.goto(site + "/en/guides/coping/")
    for _ in range(3):
        page.keyboard.down("Shift")
        page.locator("h1").click()  # Shift+click selects text
        page.keyboard.up("Shift")
    expect(page.locator("[data-exit-dots] span.pressed")).to_have_count(0, timeout=1000)
    assert page.url == site + "/en/guides/coping/"
