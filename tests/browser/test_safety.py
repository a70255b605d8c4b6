"""Leaving quickly in a real browser: the Shift shortcut, the button with and without
JavaScript, what is cleared, and the first-visit explanation."""

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
    context: BrowserContext, page: Page, site: str, neutral_url: str
) -> None:
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


def test_two_presses_do_nothing(page: Page, site: str) -> None:
    page.goto(site + "/en/")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.wait_for_timeout(300)
    assert page.url == site + "/en/"


def test_exit_replaces_the_page_so_back_does_not_return_to_it(
    page: Page, site: str, neutral_url: str
) -> None:
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


def test_first_visit_explains_the_exit_and_remembers_it_was_read(page: Page, site: str) -> None:
    page.goto(site + "/en/")
    intro = page.locator("[data-safety-intro]")
    expect(intro).to_be_visible()
    expect(intro).to_contain_text("does not clear your browser history")
    page.get_by_role("button", name="Got it").click()
    expect(intro).to_be_hidden()
    page.goto(site + "/en/guides/")
    expect(intro).to_be_hidden()


def test_checklist_ticks_stay_in_this_browser_until_exit(
    context: BrowserContext, page: Page, site: str, neutral_url: str
) -> None:
    page.goto(site + "/en/plan/threatened/")
    first = page.locator("input[data-step]").first
    first.check()
    page.reload()
    expect(page.locator("input[data-step]").first).to_be_checked()
    page.get_by_role("link", name="Exit this page").click()
    page.wait_for_url(neutral_url)
    page.goto(site + "/en/plan/threatened/")
    expect(page.locator("input[data-step]").first).not_to_be_checked()


def test_arabic_pages_are_laid_out_right_to_left(page: Page, site: str) -> None:
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


def test_english_pages_stay_left_to_right(page: Page, site: str) -> None:
    page.set_viewport_size({"width": 800, "height": 600})
    page.goto(site + "/en/guides/coping/")
    exit_box = page.locator("a.exit-button").bounding_box()
    assert exit_box is not None and exit_box["x"] > 400
