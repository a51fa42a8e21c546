"""Names compared across spelling variants (``core.japanese.name_key`` / ``furigana_key``): what
the imports use to tell a mistyped member number from a name written another way."""

import pytest

from core.japanese import furigana_key, name_key, name_spellings, transfer_kana_key


@pytest.mark.parametrize(
    ("sheet", "stored"),
    [
        ("高橋 花子", "髙橋　花子"),  # 髙 (はしご高), spaces of either width or none
        ("山崎太郎", "山﨑 太郎"),  # 﨑 (たつさき)
        ("山崎", "山嵜"),
        ("渡辺", "渡邊"),
        ("渡辺", "渡邉"),
        ("斎藤", "齋藤"),
        ("沢田", "澤田"),
        ("浜田", "濱田"),
        ("吉田", "𠮷田"),  # 𠮷 (つちよし)
        ("関ケ原", "関ヶ原"),
    ],
)
def test_variants_of_a_name_are_the_same_name(sheet, stored):
    assert name_key(sheet) == name_key(stored)


@pytest.mark.parametrize(("sheet", "stored"), [("斉藤", "斎藤"), ("佐々木", "佐木"), ("山田", "山口")])
def test_other_names_stay_other(sheet, stored):
    assert name_key(sheet) != name_key(stored)


def test_furigana_in_hiragana_or_half_width_is_the_same():
    assert furigana_key("やまだ はなこ") == furigana_key("ﾔﾏﾀﾞ ﾊﾅｺ") == furigana_key("ヤマダ　ハナコ") == "ヤマダハナコ"
    assert furigana_key("ヤマダ") != furigana_key("ヤマモト")


@pytest.mark.parametrize(
    ("bank", "furigana"),
    [
        ("ｻﾄｳ ｷﾖｳｺ", "サトウ キョウコ"),  # no small kana in bank data
        ("ｽｽﾞｷ ﾕ-ｺ", "スズキ ユーコ"),  # the long vowel as a hyphen
        ("ﾔﾏﾀﾞﾊﾅｺ", "やまだ はなこ"),
        ("ｲﾄｳ ｼﾞﾛｳ", "イトウ　ジロウ"),
    ],
)
def test_a_payers_kana_as_banks_send_it_is_the_members_furigana(bank, furigana):
    assert transfer_kana_key(bank) == transfer_kana_key(furigana)


def test_a_payers_kana_keeps_other_names_apart():
    assert transfer_kana_key("ｻﾄｳ ｷﾖｳｺ") != transfer_kana_key("サトウ キョウカ")
    assert transfer_kana_key("ｶﾄｳ") != transfer_kana_key("カドウ")  # voiced marks count


def test_name_spellings_are_what_name_key_reads_as_the_same_name():
    assert name_spellings("山崎") == {"山崎", "山﨑", "山嵜", "山碕"}
    assert name_spellings("髙田") == {"髙田", "高田"}
    assert all(name_key(spelling) == name_key("渡辺") for spelling in name_spellings("渡辺"))
    assert name_spellings("佐藤") == {"佐藤"}
    assert len(name_spellings("崎" * 5)) <= 2  # past the limit: the text and its common form only
