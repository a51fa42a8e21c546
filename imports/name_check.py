"""Names in a sheet checked against the member its 会員番号 matched: a warning, never an error.

A reception-desk sheet often carries the attendee's name (氏名, フリガナ) next to the member
number. When a row's name is not the matched member's, the number is probably mistyped: the
row is imported (the number decides) and listed under 確認してください with both names.
Spelling variants are the same name (髙橋 = 高橋, 山﨑 = 山崎, やまだ = ヤマダ, spaces): the
comparison goes through ``core.japanese.name_key`` / ``furigana_key``; a member's 代替文字
counts as their name too.
"""

from core.japanese import furigana_key, name_key

# Headings recognised, normalised as the readers normalise them (NFKC: （） → ()).
FULL_NAME = ("氏名", "名前", "お名前", "会員名", "受講者名", "参加者名", "氏名(漢字)")
FAMILY_NAME = ("氏名(姓)", "姓")
GIVEN_NAME = ("氏名(名)", "名")
FULL_KANA = ("フリガナ", "ふりがな", "カナ", "氏名(フリガナ)", "氏名(カナ)", "フリガナ(氏名)")
FAMILY_KANA = ("フリガナ(姓)", "セイ")
GIVEN_KANA = ("フリガナ(名)", "メイ")
HEADINGS = (*FULL_NAME, *FAMILY_NAME, *GIVEN_NAME, *FULL_KANA, *FAMILY_KANA, *GIVEN_KANA)

# The member columns the comparison needs (add them to the columns loaded for the members).
MEMBER_COLUMNS = ("member_number", "family_name", "given_name", "family_name_kana", "given_name_kana", "alternate_name")

FULL, FAMILY, GIVEN, KANA, KANA_FAMILY, KANA_GIVEN = "full", "family", "given", "kana", "kana_family", "kana_given"
_GROUPS = (
    (FULL, FULL_NAME),
    (FAMILY, FAMILY_NAME),
    (GIVEN, GIVEN_NAME),
    (KANA, FULL_KANA),
    (KANA_FAMILY, FAMILY_KANA),
    (KANA_GIVEN, GIVEN_KANA),
)


def _text(value):
    if value is None:
        return ""
    return str(value).strip()


def _alternate_parts(alternate):
    parts = (alternate or "").replace("\u3000", " ").split()
    return (parts[0], parts[-1]) if len(parts) >= 2 else ("", "")


def stored_names(member):
    """{part: (keys the sheet's text may have, the stored text shown)} of a member row (dict)."""
    family, given = member["family_name"], member["given_name"]
    alt_family, alt_given = _alternate_parts(member.get("alternate_name"))
    kana_family, kana_given = member["family_name_kana"], member["given_name_kana"]
    return {
        FULL: ({name_key(family + given), name_key(member.get("alternate_name"))}, f"{family} {given}"),
        FAMILY: ({name_key(family), name_key(alt_family)}, family),
        GIVEN: ({name_key(given), name_key(alt_given)}, given),
        KANA: ({furigana_key(kana_family + kana_given)}, f"{kana_family} {kana_given}"),
        KANA_FAMILY: ({furigana_key(kana_family)}, kana_family),
        KANA_GIVEN: ({furigana_key(kana_given)}, kana_given),
    }


def differences(member, texts):
    """[(part, sheet text, stored text)] of ``texts`` ({part: text}) unlike the member's name."""
    stored = stored_names(member)
    found = []
    for part, text in texts.items():
        if not text:
            continue
        keys, shown = stored[part]
        key = furigana_key(text) if part in (KANA, KANA_FAMILY, KANA_GIVEN) else name_key(text)
        if key not in keys:
            found.append((part, text, shown))
    return found


class NameColumns:
    """The name columns of a sheet (the first heading of each part that the sheet has)."""

    def __init__(self, headers):
        index = {}
        for position, header in enumerate(headers):
            index.setdefault(header, position)
        self.columns = []  # (part, heading, position)
        for part, headings in _GROUPS:
            for heading in headings:
                if heading in index:
                    self.columns.append((part, heading, index[heading]))
                    break

    def __bool__(self):
        return bool(self.columns)

    def check(self, raw, member):
        """[(column, message)] warnings for a row's cells against the matched member (dict)."""
        texts = {part: _text(raw[position]) for part, _heading, position in self.columns}
        headings = {part: heading for part, heading, _position in self.columns}
        return [
            (
                headings[part],
                f"{headings[part]}「{text}」が会員 {member['member_number']} の登録({stored})と違います。"
                "会員番号が正しいか確認してください。",
            )
            for part, text, stored in differences(member, texts)
        ]
