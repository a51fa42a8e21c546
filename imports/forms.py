from django import forms

from .registry import registry

ALLOWED_EXTENSIONS = (".csv", ".xlsx", ".txt")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="取込の種類")
    file = forms.FileField(
        label="ファイル",
        help_text="CSV(UTF-8 または Shift_JIS)か Excel ブック(.xlsx)。",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
        error_messages={"required": "ファイルを選んでください。", "empty": "ファイルが空です。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = registry.choices()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_EXTENSIONS):
            raise forms.ValidationError("CSV(.csv)か Excel ブック(.xlsx)を選んでください。")
        return upload


class ConfirmForm(forms.Form):
    """The confirm step: a field for each of the kind's ``confirm_options`` (often none).

    An unchecked checkbox is not sent with the form, so it reads as off: staff who uncheck a
    box that is checked by default get what they saw.
    """

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        for option in kind.confirm_options if kind is not None else ():
            self.fields[option.name] = option.form_field()
