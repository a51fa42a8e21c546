"""The members a file's 会員番号 cells name, found at once for every kind.

Each number is matched as ``membership.member_numbers`` says (the one owner of the rule): in its
stored form first (full-width digits half-width, an all-digit number shorter than
``MEMBER_NUMBER_DIGITS`` padded with zeros: ``30002`` → ``0030002``), then exactly as typed (a
number stored before the width was fixed). A number that matches no member but differs from a
member's only by leading zeros is never taken for that member nor for a new one: the kinds
refuse the row and name the member it probably means (``probably``, ``probable_text``).
"""

from membership.member_numbers import lookalikes, member_number_digits, normalize_member_number

from .loading import preload

PROBABLE_COLUMNS = ("id", "member_number", "family_name", "given_name")


class MemberLookup:
    def __init__(self, numbers, *, queryset, columns):
        """``numbers``: the cells as the 会員番号 widget cleaned them; ``columns``: what to load
        of each member (dicts, as ``preload``)."""
        numbers = set(numbers)
        columns = list(dict.fromkeys(["member_number", *columns]))
        width = member_number_digits()
        # Most numbers are typed in their stored form (all digits, of the fixed width).
        self.stored = {
            number: number
            if len(number) == width and number.isdigit() and number.isascii()
            else normalize_member_number(number, width=width)
            for number in numbers
        }
        wanted = set(self.stored.values()) | numbers
        rows = {row["member_number"]: row for row in preload(queryset, "member_number", wanted, columns=columns)}
        self.found = {}
        if rows:  # else every number is new (a first import into an empty list)
            for number, stored in self.stored.items():
                row = rows.get(stored) or rows.get(number)
                if row is not None:
                    self.found[number] = row
        missing = {self.stored[number] for number in numbers if number not in self.found}
        likes = lookalikes(missing, columns=list(dict.fromkeys([*columns, *PROBABLE_COLUMNS]))) if missing else {}
        self.probable = {}
        if likes:
            self.probable = {
                number: likes[self.stored[number]]
                for number in numbers
                if number not in self.found and self.stored[number] in likes
            }

    def get(self, number):
        """The member row ``number`` names, or None."""
        return self.found.get(number)

    def new_number(self, number):
        """The number a new member gets for ``number`` (its stored form)."""
        return self.stored[number]

    def probably(self, number):
        """For a number matching no member: the member whose number differs only by leading zeros."""
        return self.probable.get(number)

    def padded(self):
        """[(typed, member number)] of the numbers matched only once their zeros were added."""
        return sorted(
            (number, row["member_number"]) for number, row in self.found.items() if row["member_number"] != number
        )

    def note(self):
        """A line for the preview: how many numbers were matched with zeros added, with an example."""
        padded = self.padded()
        if not padded:
            return ""
        typed, stored = padded[0]
        return f"先頭の0が欠けた会員番号 {len(padded):,}件を、0を補って照合しました(例: {typed} → {stored})。"


def probable_text(row):
    """「0035002(山田 花子)」: the member a number probably means."""
    return f"{row['member_number']}({row['family_name']} {row['given_name']})"
