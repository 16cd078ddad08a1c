"""How residents type: chat abbreviations, telex leftovers, i/y spelling, and the token stream retrieval uses.

Every token is kept twice: folded (no diacritics, đ → d), which is what matching is done on, and the
accented form when the person typed one, which lets "mật khẩu" and "mất điện thoại" tell themselves
apart while "mat khau" still finds both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from binhdan.common.text import fold, nfc

# Chat spelling and abbreviations, folded key → what it stands for (with diacritics). A key maps to
# itself plus its expansion when the short form is also a word the guides use ("app", "otp").
ABBREVIATIONS: dict[str, str] = {
    # không / được / gì / như thế nào ...
    **dict.fromkeys(["ko", "k", "kg", "khg", "kh", "hok", "hong", "hem", "khum", "kp", "hk", "0"], "không"),
    **dict.fromkeys(["dc", "dx"], "được"),
    **dict.fromkeys(["j", "ji", "z"], "gì"),
    "ntn": "như thế nào",
    "ntnao": "như thế nào",
    "kbt": "không biết",
    "bik": "biết",
    "bit": "biết",
    "bjo": "bây giờ",
    "bh": "bây giờ",
    "wa": "qua",
    "trc": "trước",
    "r": "rồi",
    "vs": "với",
    "bn": "bao nhiêu",
    "bnhieu": "bao nhiêu",
    "ng": "người",
    "ngta": "người ta",
    "mn": "mọi người",
    "mik": "mình",
    "mh": "mình",
    "cj": "chị",
    "ak": "à",
    "nhiu": "nhiêu",
    "hnay": "hôm nay",
    "hqua": "hôm qua",
    "tg": "thời gian",
    "lm": "làm",
    "ns": "nói",
    "dk": "đăng ký",
    "dky": "đăng ký",
    "dki": "đăng ký",
    # phones and accounts
    "dt": "điện thoại",
    "dth": "điện thoại",
    "dthoai": "điện thoại",
    "sdt": "số điện thoại",
    "tk": "tài khoản",
    "mk": "mật khẩu",
    "pass": "pass mật khẩu",  # nosec B105  # a search synonym
    "pw": "mật khẩu",
    "password": "mật khẩu",  # nosec B105  # a search synonym
    "app": "app ứng dụng",
    "ap": "app ứng dụng",
    "apps": "app ứng dụng",
    "ud": "ứng dụng",
    "tn": "tin nhắn",
    "sms": "sms tin nhắn",
    "ib": "nhắn tin",
    "inbox": "nhắn tin",
    "fb": "facebook",
    "face": "facebook",
    "zl": "zalo",
    "mxh": "mạng xã hội",
    "onl": "online trực tuyến",
    "online": "online trực tuyến",
    "net": "mạng internet",
    "wf": "wifi",
    "wiffi": "wifi",
    "wify": "wifi",
    "chplay": "ch play",
    "gg": "google",
    "yt": "youtube",
    "gpt": "chatgpt",
    # money
    "ck": "chuyển khoản",
    "stk": "số tài khoản",
    "nh": "ngân hàng",
    "bank": "ngân hàng",
    "banking": "ngân hàng",
    "tr": "triệu",
    "tmdt": "thương mại điện tử",
    "sp": "sản phẩm",
    "ship": "giao hàng",
    "cod": "thanh toán khi nhận hàng",
    # papers and public services
    "cccd": "căn cước công dân",
    "cc": "căn cước",
    "cmnd": "chứng minh nhân dân",
    "cmt": "chứng minh nhân dân",
    "ddcn": "định danh cá nhân",
    "dddt": "định danh điện tử",
    "dvc": "dịch vụ công",
    "dvcqg": "dịch vụ công quốc gia",
    "bhyt": "bảo hiểm y tế",
    "bhxh": "bảo hiểm xã hội",
    "gplx": "giấy phép lái xe",
    "blx": "bằng lái xe",
    "dkx": "đăng ký xe",
    "hs": "hồ sơ",
    "ks": "khai sinh",
    "ubnd": "ủy ban nhân dân",
    "cax": "công an xã",
    "csgt": "cảnh sát giao thông",
    "cks": "chữ ký số",
}

# What residents say for a symptom or a thing, folded → the words the guides use for it. The question keeps
# its own words; these are added beside them (retrieval weighs them lower).
SYMPTOMS: dict[str, str] = {
    "het dung luong": "bộ nhớ đầy gỡ ứng dụng",
    "day bo nho": "bộ nhớ đầy gỡ ứng dụng",
    "bo nho day": "bộ nhớ đầy gỡ ứng dụng",
    "may nang": "bộ nhớ đầy gỡ ứng dụng",
    "goi co hinh": "gọi video",
    "thay mat": "gọi video",
    "nhin thay mat": "gọi video",
    "goi thay hinh": "gọi video",
    "quet mat": "khuôn mặt",
    "chup mat": "khuôn mặt",
    "nhan dien mat": "khuôn mặt",
    "cho phe duyet": "chờ duyệt",
    "dang cho duyet": "chờ duyệt",
    "khong ve": "không nhận được",
    "khong thay tin nhan": "không nhận được",
    "chu nho": "chữ to cỡ chữ",
    "chu be": "chữ to cỡ chữ",
    "nhin khong ro": "chữ to cỡ chữ",
    "keu be": "âm lượng",
    "nghe khong ro": "âm lượng",
    "tut pin": "pin sạc",
    "het pin nhanh": "pin sạc",
    "cuc gach": "điện thoại 2G",
    "may ban phim": "điện thoại 2G",
    "giong hoi la": "giả giọng nói AI",
    "hinh mo mo": "video giả AI",
    "cavet": "đăng ký xe",
    "ca vet": "đăng ký xe",
    "bang lai": "giấy phép lái xe",
}

# Words that carry no topic: question frames, pronouns, particles. They still count in ranking with a
# small weight (so "không nhận được" is not lost) but not when judging whether a question is on topic.
STOPWORDS = frozenset(
    [
        "a",
        "à",
        "ạ",
        "ah",
        "ak",
        "ai",
        "anh",
        "ba",
        "bà",
        "bac",
        "bác",
        "bạn",
        "bao",
        "bây",
        "bi",
        "bị",
        "biet",
        "biết",
        "bo",
        "bố",
        "bởi",
        "cac",
        "các",
        "cai",
        "cái",
        "cam",
        "cảm",
        "can",
        "cần",
        "cháu",
        "chi",
        "chị",
        "cho",
        "chu",
        "chú",
        "chua",
        "chưa",
        "co",
        "có",
        "con",
        "cô",
        "cu",
        "cứ",
        "cua",
        "của",
        "cung",
        "cũng",
        "da",
        "đã",
        "dang",
        "đang",
        "day",
        "đây",
        "de",
        "để",
        "den",
        "đến",
        "di",
        "đi",
        "do",
        "đó",
        "dong",
        "được",
        "duoc",
        "em",
        "gi",
        "gì",
        "giờ",
        "gio",
        "giup",
        "giúp",
        "ha",
        "hả",
        "hay",
        "hãy",
        "hoac",
        "hoặc",
        "hoi",
        "hỏi",
        "hom",
        "hôm",
        "khi",
        "khong",
        "không",
        "la",
        "là",
        "lai",
        "lại",
        "lam",
        "làm",
        "len",
        "lên",
        "luc",
        "lúc",
        "ma",
        "mà",
        "may",
        "mấy",
        "minh",
        "mình",
        "moi",
        "mọi",
        "mot",
        "một",
        "muon",
        "muốn",
        "nao",
        "nào",
        "nay",
        "này",
        "neu",
        "nếu",
        "nha",
        "nhe",
        "nhé",
        "nhi",
        "nhỉ",
        "nhu",
        "như",
        "nhung",
        "những",
        "nua",
        "nữa",
        "o",
        "ở",
        "oi",
        "ơi",
        "on",
        "ơn",
        "ong",
        "ông",
        "phai",
        "phải",
        "qua",
        "ra",
        "rang",
        "rằng",
        "roi",
        "rồi",
        "sao",
        "se",
        "sẽ",
        "ta",
        "tai",
        "tại",
        "the",
        "thế",
        "thi",
        "thì",
        "thu",
        "thử",
        "toi",
        "tôi",
        "tu",
        "từ",
        "tui",
        "va",
        "và",
        "vao",
        "vào",
        "vay",
        "vậy",
        "ve",
        "về",
        "voi",
        "với",
        "vui",
        "xin",
        "xong",
        "u",
        "ư",
        "uh",
        "ừ",
        "ok",
        "nhờ",
        "nho",
        # elderly and family voice: "con ơi dạy ông …", "thằng út", "con gái tôi", "giùm bà với"
        "đâu",
        "dạy",
        "giùm",
        "gium",
        "dùm",
        "dum",
        "chau",
        "cụ",
        "gái",
        "gai",
        "thằng",
        "đứa",
        "út",
        "ut",
        "nó",
        "mẹ",
        "me",
        "vợ",
        "chồng",
        "chong",
        "nhà",
        "nha",
        "lắm",
        "lam",
        "quá",
        "hoài",
        "hoai",
        "mãi",
        "vẫn",
        "van",
        "thấy",
        "thay",
        "bảo",
        "nói",
    ]
)

_TELEX_TONE = re.compile(r"^([a-z]+?)([sfrxj])$")
_TOKEN = re.compile(r"[0-9a-zà-ỹđ]+", re.IGNORECASE)
_I_Y = re.compile(r"^(k|l|m|s|t|h|qu)y$")


@dataclass(frozen=True, slots=True)
class Token:
    folded: str
    accented: str | None  # the typed form when it carried a diacritic, else None


def is_stopword(token: Token) -> bool:
    """Judged on the accented form when there is one: "từ" is a stopword, "tử" (điện tử) is not."""
    return (token.accented or token.folded) in STOPWORDS


def has_diacritics(word: str) -> bool:
    return fold(word) != word.lower()


def spelling_variant(folded: str) -> str:
    """One spelling for the i/y alternation that is correct both ways: "ky"/"ki", "ly"/"li"."""
    return _I_Y.sub(lambda m: m.group(1) + "i", folded)


def raw_words(text: str) -> list[str]:
    """Lower-case NFC words, digits kept ("4g", "12"), punctuation dropped."""
    value = unicodedata.normalize("NFC", nfc(text).lower())
    return _TOKEN.findall(value)


# Southern and central words, and English ones residents mix in, as typed (lowercase, NFC) → the word the
# guides use. Accented forms only where the unaccented one is another word ("răng" → "sao", but "rang"
# may be "răng" the tooth); unaccented ones only where they mean one thing.
REGIONAL: dict[str, str] = {
    "tui": "tôi",
    "coi": "xem",
    "vô": "vào",
    "răng": "sao",
    "rứa": "vậy",
    "mô": "đâu",
    "chừ": "giờ",
    "xài": "dùng",
    "xai": "dùng",
    "hoài": "mãi",
    "thiệt": "thật",
    "mạ": "mẹ",
    "update": "cập nhật",
    "sk": "sức khỏe",
}


def expand(word: str) -> list[Token]:
    """A typed word as one or more tokens, abbreviations written out."""
    regional = REGIONAL.get(nfc(word).lower())
    if regional is not None:
        return [Token(spelling_variant(fold(w)), w if has_diacritics(w) else None) for w in regional.split()]
    folded = fold(word)
    # An abbreviation is only expanded when typed without a tone or vowel mark ("đc" counts: đ is how
    # it is spelt), so real words such as "kẻ" or "bả" keep their meaning.
    if folded in ABBREVIATIONS and word.replace("đ", "d") == folded:
        expansion = ABBREVIATIONS[folded]
        return [Token(spelling_variant(fold(w)), w if has_diacritics(w) else None) for w in expansion.split()]
    return [Token(spelling_variant(folded), word if has_diacritics(word) else None)]


# "AI" typed in capitals is the technology, not "ai" (who).
_AI_IN_CAPITALS = re.compile(r"(?<![\w])AI(?![\w])")


def tokenize(text: str) -> list[Token]:
    """Every token of the text in order, abbreviations expanded."""
    tokens: list[Token] = []
    for word in raw_words(_AI_IN_CAPITALS.sub(" trí tuệ nhân tạo ", text)):
        tokens.extend(expand(word))
    return tokens


def strip_telex(folded: str) -> str | None:
    """ "kys" → "ky": a tone key typed by a telex keyboard that did not turn it into a mark."""
    match = _TELEX_TONE.match(folded)
    return match.group(1) if match else None
