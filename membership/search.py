"""The one member search of the admin listings (members, invoices, registrations, credits, ...).

Every word must match the member number, the name (with or without the space), the furigana
(hiragana is read as katakana) or one of the listing's own fields; full-width digits are
normalised, and a name's old or variant kanji match either way (山崎 finds 山﨑, 髙田 finds 高田:
``core.japanese.name_spellings``, the folding rule the imports compare names with). Not an
admin module: other apps' listings use it too.
"""

import unicodedata

from django.db.models import Q, Value
from django.db.models.functions import Concat

from core.japanese import name_spellings, to_katakana

MEMBER_FIELDS = ("member_number", "family_name", "given_name", "family_name_kana", "given_name_kana")
MAX_WORDS = 8


def search_members(queryset, query, *, prefix="member__", fields=()):
    """``queryset`` narrowed to rows whose member (reached through ``prefix``; "" for members
    themselves) or ``fields`` (full paths) match every word of ``query``."""
    queryset = queryset.annotate(
        _search_name=Concat(f"{prefix}family_name", f"{prefix}given_name"),
        _search_kana=Concat(f"{prefix}family_name_kana", Value("\u3000"), f"{prefix}given_name_kana"),
    )
    searched = list(dict.fromkeys([*(prefix + name for name in MEMBER_FIELDS), *fields]))
    searched += ["_search_name", "_search_kana"]
    # At most MAX_WORDS different words, each with at most 64 spellings: a pasted paragraph
    # stays one query of bounded size (SQLite refuses over 32,766 parameters).
    words = list(dict.fromkeys(unicodedata.normalize("NFKC", query).split()))[:MAX_WORDS]
    for word in words:
        condition = Q()
        for term in sorted({to_katakana(word), *name_spellings(word)}):
            for field in searched:
                condition |= Q(**{f"{field}__icontains": term})
        queryset = queryset.filter(condition)
    return queryset


class MemberSearchMixin:
    """For a Wagtail IndexView: search with ``search_members`` over ``search_fields`` too."""

    member_prefix = "member__"

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return search_members(queryset, self.search_query, prefix=self.member_prefix, fields=self.search_fields or ())
