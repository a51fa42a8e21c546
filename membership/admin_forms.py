"""The staff's member form in the Wagtail admin (base form of MemberViewSet's edit handler).

Unlike the members' own profile form, staff edit everything, the e-mail address included,
and their changes apply at once. Creating a member also creates its account.

Also the admin's login form (``WAGTAILADMIN_USER_LOGIN_FORM``): Wagtail's, with the password
field labelled in Japanese (Wagtail's gives it no label, so Django shows "Password").
"""

from django import forms
from django.db import transaction
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.auth import LoginForm

from .forms import MemberInputRulesMixin
from .member_numbers import lookalikes, normalize_member_number
from .models import Member, User

PHONE_HELP = "ハイフンや全角数字で入力しても、保存時に数字のみへ直します。"
POSTAL_HELP = "7桁の数字(ハイフンはあってもなくても構いません)。"


def _lenient_char_field(label, help_text, **attrs):
    # People type hyphens, spaces and full-width digits; they are normalised away in the
    # clean methods, so the stored length (model max_length) must not apply to the raw input.
    return forms.CharField(
        label=label, required=False, max_length=30, help_text=help_text, widget=forms.TextInput(attrs=attrs)
    )


class MemberAdminForm(MemberInputRulesMixin, WagtailAdminModelForm):
    email = forms.EmailField(
        label="メールアドレス",
        required=False,
        max_length=254,
        help_text="アカウントの登録メールアドレスです(パスワード再設定に使います)。事務局による変更はすぐに反映されます。",
    )
    home_postal_code = _lenient_char_field("自宅 郵便番号", POSTAL_HELP, inputmode="numeric")
    workplace_postal_code = _lenient_char_field("勤務先 郵便番号", POSTAL_HELP, inputmode="numeric")
    phone = _lenient_char_field("電話番号", PHONE_HELP, inputmode="tel")
    mobile = _lenient_char_field("携帯番号", PHONE_HELP, inputmode="tel")

    error_messages = {
        "number_taken": "この会員番号はすでに別のアカウントのログインIDとして使われています。",
        "status_since": "ステータスを変更するときは、変更日を入力してください。",
        "status_reason": "ステータスを変更するときは、変更理由を入力してください。",
        "status_stale": "ステータスを変更するときは、今回の変更日と変更理由を入力してください。",
    }

    class Meta:
        model = Member
        fields = []  # the edit handler's panels add the fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "email" in self.fields and self.instance.user_id:
            self.fields["email"].initial = self.instance.user.email
            # The form's initial data is what has_changed() compares against.
            self.initial.setdefault("email", self.instance.user.email)

    # --- normalisation (DESIGN.md 6: Japanese input is normalised, names never changed) ---

    def clean_member_number(self):
        # Padded as the imports pad it (``30002`` → ``0030002``): the one rule of member_numbers.
        number = normalize_member_number(self.cleaned_data["member_number"])
        if not number:
            raise forms.ValidationError("会員番号を入力してください。", code="required")
        others = User.objects.filter(username=number)
        if self.instance.user_id:
            others = others.exclude(pk=self.instance.user_id)
        if others.exists():
            raise forms.ValidationError(self.error_messages["number_taken"], code="number_taken")
        if number != self.instance.member_number and (
            twin := lookalikes([number], columns=("family_name", "given_name")).get(number)
        ):
            raise forms.ValidationError(
                f"会員番号 {number} は、会員番号 {twin['member_number']} の会員({twin['family_name']} "
                f"{twin['given_name']})と先頭の0の数だけが違います。同じ方ではありませんか。",
                code="number_lookalike",
            )
        return number

    def clean_email(self):
        return (self.cleaned_data.get("email") or "").strip()

    def clean(self):
        cleaned = super().clean()
        if "status" in self.fields and self._status_changed(cleaned):
            since, reason = cleaned.get("status_since"), (cleaned.get("status_reason") or "").strip()
            if not since and "status_since" not in self.errors:
                self.add_error(
                    "status_since", forms.ValidationError(self.error_messages["status_since"], code="status_since")
                )
            if not reason and "status_reason" not in self.errors:
                self.add_error(
                    "status_reason", forms.ValidationError(self.error_messages["status_reason"], code="status_reason")
                )
            if (
                since
                and reason
                and self.instance.pk
                and "status_since" not in self.changed_data
                and "status_reason" not in self.changed_data
            ):
                # The date and reason still describe the previous change.
                self.add_error(
                    "status_since", forms.ValidationError(self.error_messages["status_stale"], code="status_stale")
                )
        return cleaned

    def _status_changed(self, cleaned):
        status = cleaned.get("status")
        if not status:
            return False
        if self.instance.pk:
            return "status" in self.changed_data
        # A new member normally starts as 正会員; any other starting status needs its date and reason.
        return status != Member.Status.ACTIVE

    # --- saving -------------------------------------------------------------------------

    def save(self, commit=True):
        if commit:
            with transaction.atomic():
                self._save_account()
                return super().save(commit=True)
        return super().save(commit=False)

    def _save_account(self):
        """Create the member's account, or keep its login id and e-mail in step with the form."""
        member = self.instance
        number = member.member_number
        if member.user_id is None:
            user = User(username=number, kind=User.Kind.MEMBER, email=self.cleaned_data.get("email", ""))
            # Members set their own password through the reset link (DESIGN.md 2).
            user.set_unusable_password()
            user.save()
            member.user = user
            return
        user = member.user
        changed = []
        if "email" in self.cleaned_data and user.email != self.cleaned_data["email"]:
            user.email = self.cleaned_data["email"]
            changed.append("email")
        if user.username != number and user.kind == User.Kind.MEMBER:
            user.username = number
            changed.append("username")
        if changed:
            user.save(update_fields=changed)


class AdminLoginForm(LoginForm):
    """The admin's sign-in form, all in Japanese."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = "パスワード"
