"""A resident asks the assistant on a small phone screen and has the answer read aloud."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Headless Chromium has no voices; record what the page asks the speech engine to say instead.
SPEECH_SPY = """
window.__spoken = [];
window.speechSynthesis.speak = function (utterance) { window.__spoken.push({text: utterance.text, lang: utterance.lang}); };
"""


def test_ask_without_accents_on_a_small_screen_and_listen(live_server, browser_page, assert_accessible):
    page = browser_page(width=360)
    page.add_init_script(SPEECH_SPY)
    page.goto(f"{live_server.url}/tro-ly/")
    assert_accessible(page)
    page.get_by_label("Bạn muốn hỏi gì?").fill("kich hoat tai khoan vneid tren dien thoai the nao")
    page.get_by_role("button", name="Hỏi").click()
    steps = page.locator(".answer ol.steps li")
    steps.first.wait_for()
    assert steps.count() >= 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Đọc to").click()
    spoken = page.evaluate("window.__spoken")
    assert spoken and spoken[0]["lang"] == "vi-VN"
    assert "VNeID" in spoken[0]["text"]
    assert_accessible(page)


def test_a_guide_page_with_its_qr_code_is_accessible(live_server, browser_page, assert_accessible):
    page = browser_page(width=360)
    page.goto(f"{live_server.url}/tro-ly/huong-dan/")
    page.locator("main ul.list a").first.click()
    page.locator(".qr svg").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
