"""The assistant in a browser: a resident's conversation on a phone, the feedback buttons, and the commune
officer's page of the questions the assistant was not sure about (grouped, scrubbed).

Screenshots: docs/screenshots/assistant-conversation.png (360 px phone) and
docs/screenshots/assistant-questions.png (desktop).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from binhdan.assistant.guides import get_guide
from binhdan.assistant.models import AskedQuestion, GuideFeedback
from binhdan.assistant.safety import safe_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
GUIDE = "vneid-kich-hoat-tai-khoan"
FIRST = "kich hoat tai khoan vneid tren dien thoai the nao"  # typed without accents
FOLLOW_UP = "còn bước 3 thì sao?"
# Off-topic questions (from the tuning's off-topic set): the assistant is not sure about them.
COW_WITH_PHONE = "bo nha toi bo an may hom nay, chu Ba 0912 345 678"
COW = "bò nhà tôi bỏ ăn mấy hôm nay"
CHICKEN = "ga bi dich cum thi chua the nao"
PHONE = "0912 345 678"


def ask(page: Any, question: str, button: str = "Hỏi") -> None:
    page.get_by_label("Bạn muốn hỏi gì?").fill(question)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator(".answer")).to_be_visible()


def no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_resident_follows_up_rates_the_guide_and_the_officer_reads_the_questions(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    guide = get_guide(GUIDE)
    assert guide is not None
    step_3 = safe_lines(guide.steps)[2]

    # The officer finds the page from the assistant and switches logging on.
    office = browser_page(width=1280, height=900)
    sign_in_browser(office, live_server, world.officer)
    office.goto(f"{live_server.url}/tro-ly/")
    office.get_by_role("link", name="Câu hỏi người dân của xã").click()
    expect(office.get_by_role("heading", level=1)).to_have_text(
        "Câu hỏi người dân gửi trợ lý ảo — Xã Sơn Đông"
    )
    expect(office.get_by_text("đang tắt — không lưu gì")).to_be_visible()
    office.get_by_label("Ghi lại câu hỏi của người dân (ẩn danh)").check()
    office.get_by_role("button", name="Lưu").click()
    expect(office.get_by_text("Đã bật ghi câu hỏi.")).to_be_visible()
    expect(office.locator("a.short-link")).to_contain_text(f"/tro-ly/?xa={world.commune.code}")

    # A resident opens the commune's link on a small phone and asks without accents.
    phone = browser_page(width=360)
    phone.goto(f"{live_server.url}/tro-ly/?xa={world.commune.code}")
    assert_accessible(phone)
    ask(phone, FIRST)
    expect(phone.locator(".answer h2")).to_have_text("Trả lời")
    expect(phone.locator(".answer-title")).to_have_text(guide.title)
    expect(phone.locator(".answer ol.steps li").nth(2)).to_have_text(step_3)

    # The follow-up is answered from the same guide: the conversation was kept.
    ask(phone, FOLLOW_UP, button="Hỏi tiếp")
    expect(phone.get_by_text("Trả lời tiếp theo hướng dẫn đang xem.")).to_be_visible()
    expect(phone.locator(".answer .asked")).to_have_text(f"Bạn hỏi: {FOLLOW_UP}")
    expect(phone.locator(".answer-title")).to_have_text(guide.title)
    expect(phone.locator(".follow-up-line").first).to_have_text(f"Bước 3: {step_3}")
    expect(phone.get_by_text("Hướng dẫn này có giúp được bác không?")).to_be_visible()
    no_sideways_scroll(phone)
    assert_accessible(phone)
    phone.screenshot(path=str(SCREENSHOTS / "assistant-conversation.png"), full_page=True)

    phone.get_by_role("button", name="Có", exact=True).click()
    expect(phone.get_by_text("Cảm ơn bác đã góp ý.")).to_be_visible()
    expect(phone.get_by_role("button", name="Có", exact=True)).to_have_count(0)  # the answer is done
    assert GuideFeedback.objects.get(commune=world.commune, guide_id=GUIDE).helped == 1

    # Another resident: the same guide did not help, and questions the assistant is not sure about.
    other = browser_page(width=360)
    other.goto(f"{live_server.url}/tro-ly/?xa={world.commune.code}")
    ask(other, FIRST)
    other.get_by_role("button", name="Không", exact=True).click()
    expect(other.get_by_text("Cảm ơn bác đã góp ý.")).to_be_visible()
    for question in (COW_WITH_PHONE, CHICKEN, COW):
        other.goto(f"{live_server.url}/tro-ly/?xa={world.commune.code}")  # a new conversation each
        ask(other, question)
        expect(other.locator(".answer h2")).to_have_text("Tôi chưa chắc chắn")
    assert not AskedQuestion.objects.filter(text__contains=PHONE).exists()  # scrubbed before storage

    # The officer reads them: grouped by guide and by similar words, the phone and the name masked.
    office.reload()
    groups = office.locator(".question-groups")
    expect(groups.get_by_text("2 lần")).to_be_visible()  # the two questions about the cow
    expect(groups.locator("blockquote", has_text="[số điện thoại]")).to_have_count(1)
    expect(groups.locator("blockquote", has_text="chu [tên]")).to_have_count(1)
    expect(groups.locator("blockquote", has_text=COW)).to_have_count(1)
    expect(groups.locator("blockquote", has_text=CHICKEN)).to_have_count(1)
    expect(groups).not_to_contain_text(PHONE)
    expect(groups).not_to_contain_text(FIRST)  # confident answers are not listed
    row = office.locator(".feedback-table tbody tr", has_text=guide.title)
    expect(row.locator("td.num")).to_have_text(["1", "1"])  # Có 1, Không 1
    assert_accessible(office)
    office.screenshot(path=str(SCREENSHOTS / "assistant-questions.png"), full_page=True)
    office.set_viewport_size({"width": 360, "height": 780})  # an officer on a phone reads it too
    no_sideways_scroll(office)
