"""The guides for the field app's offline use: every guide, NFC, small, versioned, 304 when current."""

from __future__ import annotations

import gzip
import json
import unicodedata

import pytest
from django.test import Client

from binhdan.assistant import offline
from binhdan.assistant.guides import all_guides, load_guides
from binhdan.assistant.safety import asks_for_secret
from binhdan.common.text import fold

URL = "/tro-ly/ngoai-tuyen/huong-dan.json"
pytestmark = pytest.mark.django_db

GUIDE = """---
id: {id}
title: {title}
topics: [vneid-kich-hoat]
summary: Tóm tắt.
keywords: [mã kích hoạt]
questions: [kich hoat sao]
---
## Các bước

1. Mở ứng dụng **VNeID**.
2. Đọc mã OTP cho cán bộ qua điện thoại.
3. Bấm [Gửi yêu cầu](https://example.org).
"""


def document(client: Client | None = None, **headers: str) -> dict:
    response = (client or Client()).get(URL, **headers)
    assert response.status_code == 200
    body = (
        gzip.decompress(response.content) if response.get("Content-Encoding") == "gzip" else response.content
    )
    return json.loads(body.decode("utf-8"))


def test_every_guide_is_in_the_document_with_its_sections_in_nfc():
    data = document()
    by_id = {entry["id"]: entry for entry in data["guides"]}
    assert set(by_id) == set(all_guides()) and len(by_id) >= 40
    for guide in all_guides().values():
        entry = by_id[guide.id]
        assert entry["title"] == guide.title
        assert entry["topics"] == list(guide.topics)
        assert entry["url"] == f"/tro-ly/huong-dan/{guide.id}/"
        shown = dict((heading, lines) for heading, lines in entry["sections"])
        assert shown["Các bước"] == [line for line in guide.steps if not asks_for_secret(line)]
    text = Client().get(URL).content.decode("utf-8")
    assert unicodedata.normalize("NFC", text) == text
    assert "Kích hoạt tài khoản định danh điện tử" in text  # not \u-escaped: smaller, and NFC is checkable


def test_search_keys_are_the_assistants_folding():
    data = document()
    entry = next(e for e in data["guides"] if e["id"] == "vneid-kich-hoat-tai-khoan")
    assert entry["t"] == "kich hoat tai khoan dinh danh dien tu tren ung dung vneid"
    assert entry["t"] == fold(entry["title"])  # no i/y in this title: plain folding
    assert all(word in entry["k"].split() for word in ["kich", "hoat", "vneid", "otp", "passcode"])
    assert offline.search_key("Chữ KÝ số, Đăng ký!") == "chu ki so dang ki"
    assert data["abbreviations"]["dk"] == ["dang", "ki"]
    for e in data["guides"]:
        assert e["k"] == e["k"].lower() and e["k"].isascii(), e["id"]


def test_the_document_is_small_and_served_compressed():
    client = Client()
    compressed = client.get(URL, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert compressed["Content-Encoding"] == "gzip"
    assert compressed["Content-Type"] == "application/json; charset=utf-8"
    assert "Accept-Encoding" in compressed["Vary"]
    assert len(compressed.content) <= 150 * 1024, len(compressed.content)
    plain = client.get(URL)
    assert not plain.has_header("Content-Encoding")
    assert gzip.decompress(compressed.content) == plain.content
    refused = client.get(URL, HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
    assert not refused.has_header("Content-Encoding")


def test_the_etag_is_the_version_and_a_current_copy_gets_304():
    client = Client()
    first = client.get(URL, HTTP_ACCEPT_ENCODING="gzip")
    version = document(client)["version"]
    assert first["ETag"] == f'"{version}"'
    assert "max-age=86400" in first["Cache-Control"] and "public" in first["Cache-Control"]
    again = client.get(URL, HTTP_IF_NONE_MATCH=f'"{version}"')
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert client.get(URL, HTTP_IF_NONE_MATCH=f'W/"{version}"').status_code == 304
    assert client.get(URL, HTTP_IF_NONE_MATCH='"0000000000000000"').status_code == 200


def test_the_document_is_public_and_read_only(world, client_for):
    assert Client().get(URL).status_code == 200  # nobody signed in: guides are public
    assert client_for(world.member_a).get(URL).status_code == 200
    assert Client().post(URL).status_code == 405


def test_the_version_follows_the_content_and_new_guides_appear_by_themselves(tmp_path, settings):
    (tmp_path / "a.md").write_text(GUIDE.format(id="a", title="Hướng dẫn A"), encoding="utf-8")
    first = offline.build(load_guides(tmp_path))
    assert offline.build(load_guides(tmp_path)).version == first.version  # same content, same version
    (tmp_path / "b.md").write_text(GUIDE.format(id="b", title="Hoà mạng"), encoding="utf-8")
    second = offline.build(load_guides(tmp_path))
    assert second.version != first.version
    data = json.loads(second.body)
    assert [g["id"] for g in data["guides"]] == ["a", "b"]
    assert data["guides"][1]["t"] == "hoa mang"
    steps = dict((h, lines) for h, lines in data["guides"][0]["sections"])["Các bước"]
    # Markup stripped, the line asking to read out an OTP dropped, as on the guide page.
    assert steps == ["Mở ứng dụng VNeID.", "Bấm Gửi yêu cầu."]
    # The served document follows ASSISTANT_GUIDES_DIR (a new directory in a running process).
    settings.ASSISTANT_GUIDES_DIR = tmp_path
    assert [g["id"] for g in document()["guides"]] == ["a", "b"]


def test_a_decomposed_title_is_served_composed(tmp_path):
    title = unicodedata.normalize("NFD", "Kích hoạt tài khoản")
    (tmp_path / "x.md").write_text(GUIDE.format(id="x", title=title), encoding="utf-8")
    body = offline.build(load_guides(tmp_path)).body.decode()
    assert "Kích hoạt tài khoản" in body and title not in body
