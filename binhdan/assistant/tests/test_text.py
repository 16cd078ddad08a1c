from binhdan.assistant.retrieval import get_index
from binhdan.assistant.text import Token, expand, is_stopword, spelling_variant, tokenize


def folded(text: str) -> list[str]:
    return [t.folded for t in tokenize(text)]


def test_accents_and_d_are_folded_but_the_typed_form_is_kept():
    tokens = tokenize("Đăng ký ĐỊNH DANH")
    assert [t.folded for t in tokens] == ["dang", "ki", "dinh", "danh"]
    assert tokens[0].accented == "đăng"


def test_decomposed_unicode_is_read_as_nfc():
    assert folded("ma\u0323\u0302t kha\u0302\u0309u") == folded("mật khẩu") == ["mat", "khau"]


def test_chat_abbreviations_are_written_out():
    assert folded("vneid ko gui dc ma j") == ["vneid", "khong", "gui", "duoc", "ma", "gi"]
    assert folded("k vào đc dvc") == ["khong", "vao", "duoc", "dich", "vu", "cong"]
    assert folded("ntn") == ["nhu", "the", "nao"]
    assert folded("ck qua stk") == ["chuyen", "khoan", "qua", "so", "tai", "khoan"]
    assert folded("cccd bhyt gplx") == [
        *["can", "cuoc", "cong", "dan"],
        *["bao", "hiem", "y", "te"],
        *["giay", "phep", "lai", "xe"],
    ]


def test_an_abbreviation_typed_with_a_tone_mark_is_a_real_word():
    assert expand("kẻ") == [Token("ke", "kẻ")]


def test_i_and_y_spellings_meet():
    assert spelling_variant("ky") == spelling_variant("ki") == "ki"
    assert folded("đăng kí") == folded("dang ky")


def test_stopwords_are_judged_on_the_accented_form():
    assert is_stopword(Token("tu", "từ"))
    assert not is_stopword(Token("tu", "tử"))


def test_typing_slips_are_mended_against_the_guides_vocabulary():
    index = get_index()
    mended, _ = index.repair(tokenize("dienthoai vnied kys"))
    words = [t.folded for t, _ in mended]
    assert words[:2] == ["dien", "thoai"]
    assert "vneid" in words
    assert "ki" in words


def test_real_words_the_guides_do_not_use_are_not_bent_into_guide_words():
    index = get_index()
    mended, _ = index.repair(tokenize("giá vàng"))
    assert [t.folded for t, _ in mended] == ["gia", "vang"]


def test_multi_syllable_words_are_found_without_accents():
    index = get_index()
    features = index.features(tokenize("mat khau dien thoai"))
    assert "mat_khau" in features
    assert "dien_thoai" in features
