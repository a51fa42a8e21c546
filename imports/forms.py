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
