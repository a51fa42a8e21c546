"""Search forms of the members' seminar lists (guide 5 and 6) and the 参加形態 choice."""

from django import forms

from .models import Registration
from .registrations import allowed_formats

PER_PAGE_CHOICES = [(10, "10"), (20, "20"), (50, "50")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SeminarSearchForm(forms.Form):
    """学会・セミナー名 (contains), 開催期間(開始日) from / to, 表示件数."""

    title = forms.CharField(label="学会・セミナー名", required=False, max_length=200)
    date_from = forms.DateField(label="開催期間(開始日)から", required=False, widget=DateInput())
    date_to = forms.DateField(label="開催期間(開始日)まで", required=False, widget=DateInput())
    per_page = forms.TypedChoiceField(
        label="表示件数", choices=PER_PAGE_CHOICES, coerce=int, required=False, empty_value=10
    )

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    def filters(self):
        """The valid filters (an invalid field is left out, and shown with its error)."""
        if not self.is_bound:
            return {"title": "", "date_from": None, "date_to": None, "per_page": 10}
        self.is_valid()
        data = self.cleaned_data
        return {
            "title": data.get("title", ""),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "per_page": data.get("per_page") or 10,
        }


class ParticipationSearchForm(SeminarSearchForm):
    """Guide 6 adds 参加済を含める (attended ones are hidden unless it is checked)."""

    include_attended = forms.BooleanField(
        label="参加済を含める",
        required=False,
        help_text="参加済みのものを含めて表示する場合は、ここにチェックを入れてください",
    )

    def filters(self):
        filters = super().filters()
        filters["include_attended"] = bool(self.is_bound and self.cleaned_data.get("include_attended"))
        return filters


class RegistrationForm(forms.Form):
    """参加形態: 会場 or eラーニング, limited to the seminar's formats."""

    participation_format = forms.ChoiceField(
        label="参加形態", widget=forms.RadioSelect, error_messages={"required": "参加形態を選択してください。"}
    )

    def __init__(self, *args, seminar, **kwargs):
        super().__init__(*args, **kwargs)
        formats = allowed_formats(seminar)
        field = self.fields["participation_format"]
        field.choices = [(value, Registration.Format(value).label) for value in formats]
        if len(formats) == 1:
            field.initial = formats[0]


class ExtensionForm(forms.Form):
    """更新延長申請 (guide 14): the reason, under one programme. The page has a form per open
    programme; each gets its own ids (``auto_id``), so a label and an error find their field."""

    programme = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="申請理由",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "申請理由を入力してください。"},
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(
            *args, auto_id=f"id_extension_{programme.pk}_%s", initial={"programme": programme.pk}, **kwargs
        )
        self.extension_programme = programme  # not ``programme``: a template's form.programme is the field
