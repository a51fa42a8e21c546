"""The inquiry form (guide 16): Wagtail's form builder with Japanese messages and a honeypot."""

from django import forms
from wagtail.contrib.forms.forms import BaseForm, FormBuilder

# The honeypot's name: a field that spam bots like to fill. People never see it.
HONEYPOT_FIELD = "homepage"

CHOICE_FIELD_TYPES = {"checkbox", "checkboxes", "dropdown", "multiselect", "radio"}


class InquiryForm(BaseForm):
    honeypot_name = HONEYPOT_FIELD

    @property
    def honeypot(self):
        return self[self.honeypot_name]

    def fields_to_fill(self):
        """The editor-defined fields, without the honeypot, for the template."""
        return [field for field in self.visible_fields() if field.name != self.honeypot_name]

    def is_spam(self):
        """A filled honeypot: a bot, answered with the thank-you page and otherwise ignored."""
        return bool(self.cleaned_data.get(self.honeypot_name))

    def submission_data(self):
        """What is stored and mailed: the editor-defined fields only."""
        return {name: value for name, value in self.cleaned_data.items() if name != self.honeypot_name}


class InquiryFormBuilder(FormBuilder):
    def get_field_options(self, field):
        options = super().get_field_options(field)
        verb = "選択" if field.field_type in CHOICE_FIELD_TYPES else "入力"
        options["error_messages"] = {"required": f"{field.label}を{verb}してください。"}
        return options

    def get_form_class(self):
        fields = self.formfields
        honeypot_name = HONEYPOT_FIELD
        while honeypot_name in fields:  # an editor's field may (very unlikely) have the same name
            honeypot_name += "_"
        fields[honeypot_name] = forms.CharField(
            label="この欄には何も入力しないでください",
            required=False,
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
        )
        return type("InquiryForm", (InquiryForm,), {**fields, "honeypot_name": honeypot_name})
