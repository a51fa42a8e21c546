"""Who paid: the member a bank statement's row names when its 会員番号 cell is blank.

Statements as the banks deliver them (``imports.statement_readers``) have no 会員番号 column;
a row tells who paid by the 通信欄 (ゆうちょ) or the payer's name (振込依頼人, where members are
asked to put their number in front: ``0012345ﾔﾏﾀﾞ ﾊﾅｺ``). In this order:

1. member numbers in 通信欄, then in the payer's name (``membership.member_numbers.numbers_in_text``,
   the one owner of number normalisation; found through ``imports.member_lookup``): exactly one
   that is a member's → that member; two different members → nobody (staff decide);
2. the payer's name: in kana (half-width, as banks send it) compared with every member's
   furigana through ``core.japanese.transfer_kana_key``; in kanji (ゆうちょ) with the name
   through ``name_key``. Exactly one member → that member. Two members with that name → nobody:
   a name shared by two members is never matched automatically.

A row found gets the member's number in its 会員番号 cell, so that the import matches it to
invoices like any other row; the reason it was found is put before its 照合結果. A row not found
is 該当なし with the reason. The template's own rows (会員番号 given) are left as they are.
"""

from dataclasses import dataclass, field

from core.japanese import name_key, transfer_kana_key
from membership.member_numbers import member_number_digits, numbers_in_text
from membership.models import Member

from ..member_lookup import MemberLookup
from ..statement_readers import MEMBER, MESSAGE, PAYER, YUCHO

NAME_COLUMNS = ("member_number", "family_name", "given_name", "family_name_kana", "given_name_kana", "alternate_name")


@dataclass
class Payers:
    how: dict = field(default_factory=dict)  # row → how its member was found
    unknown: dict = field(default_factory=dict)  # row → why no member was found
    by_name: int = 0  # rows whose member was found by the payer's name only
    label: str = "振込依頼人"  # what the statement calls the payer (ゆうちょ: 払込人)

    def explain(self, row, detail):
        how = self.how.get(row)
        return f"{how}。{detail}" if how else detail


def identify_payers(table):
    """Fill the blank 会員番号 cells of ``table`` from 通信欄 and 振込依頼人; return ``Payers``."""
    headers = table.headers
    if MEMBER not in headers or not (PAYER in headers or MESSAGE in headers):
        return Payers()
    member_at = headers.index(MEMBER)
    payer_at = headers.index(PAYER) if PAYER in headers else None
    message_at = headers.index(MESSAGE) if MESSAGE in headers else None
    width = member_number_digits()
    wanted = []  # (position in table.rows, row number, payer, [candidate numbers])
    for position, (number, cells) in enumerate(table.rows):
        if _text(cells, member_at):
            continue
        payer, message = _text(cells, payer_at), _text(cells, message_at)
        candidates = numbers_in_text(message, width=width) + numbers_in_text(payer, width=width)
        wanted.append((position, number, payer, message, list(dict.fromkeys(candidates))))
    payers = Payers(label="払込人" if getattr(table, "source", "") == YUCHO else "振込依頼人")
    if not wanted:
        return payers
    lookup = MemberLookup(
        {candidate for *_rest, candidates in wanted for candidate in candidates},
        queryset=Member.objects.all(),
        columns=["id"],
    )
    names = MemberNames()
    for position, number, payer, message, candidates in wanted:
        found = list(dict.fromkeys(lookup.get(c)["member_number"] for c in candidates if lookup.get(c)))
        if len(found) == 1:
            member_number = found[0]
            source = "通信欄" if message and member_number in numbers_in_text(message, width=width) else payers.label
            payers.how[number] = f"{source}の会員番号 {member_number} で照合"
        elif len(found) > 1:
            payers.unknown[number] = (
                f"会員番号が{len(found)}つ書かれています({'、'.join(found)})。どの会員の入金か確認し、請求の画面で入金を記録してください。"
            )
            continue
        else:
            members = names.get(_payer_key(payer)) if payer else []
            if len(members) != 1:
                payers.unknown[number] = _not_found(payer, members, payers.label)
                continue
            member_number = members[0][0]
            payers.how[number] = f"{payers.label}名 {payer} で照合"
            payers.by_name += 1
        cells = list(table.rows[position][1])
        cells[member_at] = member_number
        table.rows[position] = (number, cells)
    return payers


def _text(cells, position):
    if position is None or position >= len(cells) or cells[position] is None:
        return ""
    return str(cells[position]).strip()


def _has_kanji(text):
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


def _payer_key(payer):
    """The payer's name without a member number in front, as a key of ``_member_names``."""
    name = payer.lstrip("0123456789０１２３４５６７８９ -‐－")
    return ("kanji", name_key(name)) if _has_kanji(name) else ("kana", transfer_kana_key(name))


class MemberNames:
    """Every member's name by its key: (kana or kanji, key) → [(member number, name)]. Each index
    is built on first use with one query over the members: only for a statement with rows that
    name no member number, and the kanji one only when a payer's name is in kanji."""

    def __init__(self):
        self.indexes = {}

    def get(self, key):
        script, text = key
        if script not in self.indexes:
            self.indexes[script] = self._index(script)
        return self.indexes[script].get(text, []) if text else []

    @staticmethod
    def _index(script):
        index = {}
        for row in Member.objects.order_by("member_number").values(*NAME_COLUMNS).iterator(chunk_size=5000):
            if script == "kana":
                keys = {transfer_kana_key(row["family_name_kana"] + row["given_name_kana"])}
            else:
                keys = {name_key(row["family_name"] + row["given_name"]), name_key(row["alternate_name"])}
            shown = (row["member_number"], f"{row['family_name']} {row['given_name']}")
            for key in keys:
                if key:
                    index.setdefault(key, []).append(shown)
        return index


def _not_found(payer, members, label):
    if len(members) > 1:
        shown = "、".join(f"{number}({name})" for number, name in members[:5])
        return (
            f"{label}名 {payer} の会員が{len(members)}人います({shown})。同じ名前の会員は自動では照合しません。"
            "どの会員の入金か確認し、請求の画面で入金を記録してください。"
        )
    if not payer:
        return f"会員番号の記載がなく、{label}名もありません。"
    return f"会員番号の記載がなく、{label}名 {payer} の会員もいません。"
