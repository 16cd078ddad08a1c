"""The accessibility check can fail: it must catch a page with obvious problems."""

import pytest

from conftest import axe_violations

pytestmark = pytest.mark.browser


def test_axe_reports_serious_violations_on_a_bad_page(browser_page):
    page = browser_page(width=360)
    page.set_content(
        '<html><body><img src="x.png"><button></button>'
        '<p style="color:#ddd;background:#fff">chữ mờ</p><input type="text"></body></html>'
    )
    rules = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "button-name", "color-contrast", "label"} <= rules
