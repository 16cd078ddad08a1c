import unicodedata

from binhdan.common.text import fold, name_sort_key, nfc, search_text, sort_key


def test_nfc_composes_decomposed_text_and_collapses_spaces():
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Thị  Hoà ")
    assert nfc(decomposed) == "Nguyễn Thị Hoà"
    assert unicodedata.is_normalized("NFC", nfc(decomposed))


def test_fold_strips_tones_and_turns_d_bar_into_d():
    assert fold("Nguyễn Thị Hoà") == "nguyen thi hoa"
    assert fold("ĐẶNG VĂN ĐỨC") == "dang van duc"
    assert fold("Hòa") == fold("Hoà") == "hoa"
    assert fold(unicodedata.normalize("NFD", "Đồng Giãn")) == "dong gian"


def test_search_text_joins_folded_parts():
    assert search_text("Lê Thị Ánh", None, "Xóm 2") == "le thi anh xom 2"


def test_sort_key_follows_the_vietnamese_alphabet():
    words = [
        "Đào",
        "Dung",
        "Anh",
        "Ánh",
        "Ân",
        "Ăn",
        "Bình",
        "Ơn",
        "Ôn",
        "On",
        "Ưng",
        "Uyên",
        "Hoan",
        "Hoà",
        "Hoa",
    ]
    ordered = sorted(words, key=sort_key)
    assert ordered == [
        "Anh",
        "Ánh",
        "Ăn",
        "Ân",
        "Bình",
        "Dung",
        "Đào",
        "Hoa",
        "Hoà",
        "Hoan",
        "On",
        "Ôn",
        "Ơn",
        "Uyên",
        "Ưng",
    ]


def test_tones_break_ties_in_dictionary_order():
    tones = ["Hóa", "Họa", "Hỏa", "Hoa", "Hõa", "Hòa"]
    assert sorted(tones, key=sort_key) == ["Hoa", "Hòa", "Hỏa", "Hõa", "Hóa", "Họa"]


def test_names_sort_by_given_name_first():
    names = ["Trần Văn Bình", "Nguyễn Thị Anh", "Lê Văn An", "Nguyễn Văn Bình", "Đỗ Thị Đào", "Phạm Thị Dung"]
    assert sorted(names, key=name_sort_key) == [
        "Lê Văn An",
        "Nguyễn Thị Anh",
        "Nguyễn Văn Bình",
        "Trần Văn Bình",
        "Phạm Thị Dung",
        "Đỗ Thị Đào",
    ]


def test_sort_keys_are_plain_ascii_so_databases_compare_them_bytewise():
    key = name_sort_key("Ngô Thị Ưng")
    assert key.isascii() and key.isalnum()
