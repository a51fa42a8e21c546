"""お問い合わせ (guide 16): the inquiry form page, its fields and the links to it."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField
from wagtail.fields import RichTextField
from wagtail.models import Page, Site

from ..forms import InquiryFormBuilder
from .pages import QAPage
from .site import SocietySettings


class InquiryFormField(AbstractFormField):
    """One field of the inquiry form, defined by editors in the page editor."""

    class Prefill(models.TextChoices):
        NAME = "name", "氏名"
        FURIGANA = "furigana", "フリガナ"
        MEMBER_NUMBER = "member_number", "会員番号(ゲストユーザー番号)"
        EMAIL = "email", "メールアドレス"

    page = ParentalKey("InquiryPage", on_delete=models.CASCADE, related_name="form_fields")
    prefill = models.CharField(
        "ログイン中の会員情報で初期入力",
        max_length=20,
        choices=Prefill.choices,
        blank=True,
        help_text="ログインしている会員がフォームを開いたとき、この項目に入れておく会員情報(会員は修正できます)。",
    )

    panels = AbstractFormField.panels + [FieldPanel("prefill")]


class InquiryPage(AbstractForm):
    """お問い合わせフォーム (guide 16): submissions are stored and mailed to the secretariat.

    The mail goes out as a background task after the submission is committed, never while the
    visitor waits. Who may read the submissions in the admin is a permission of its own
    (``wagtailforms.view_formsubmission``, see wagtail_hooks.py), not page editing. Where the
    mail goes is not a field of the page either (no ``to_address`` / ``from_address``, which
    Wagtail's AbstractEmailForm would give editors): it is the society settings'
    ``inquiry_recipients``, which only the secretariat may change. A revision from before
    (with a ``to_address`` in its content) has nothing to restore it into.
    """

    subject = models.CharField("件名", max_length=255, blank=True)
    intro = RichTextField("紹介文", blank=True)
    thank_you_text = RichTextField("送信後のメッセージ", blank=True)

    form_builder = InquiryFormBuilder

    content_panels = AbstractForm.content_panels + [
        FieldPanel("intro"),
        InlinePanel("form_fields", label="フォームの項目"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [FieldPanel("subject")],
            "事務局への通知メール",
            help_text="宛先と送信元は、事務局が学会の設定の「お問い合わせの通知メール」で設定します。",
        ),
    ]
    parent_page_types = ["cms_pages.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = "お問い合わせフォーム"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["qa_page"] = QAPage.objects.live().public().first()
        context["mail_domains"] = SocietySettings.for_request(request).mail_domains
        return context

    def get_form(self, *args, **kwargs):
        if not args and "data" not in kwargs:  # an empty form: fill in what we know
            kwargs.setdefault("initial", self.initial_from_profile(kwargs.get("user")))
        return super().get_form(*args, **kwargs)

    def initial_from_profile(self, user):
        """The logged-in member's (or guest's) own details for the fields marked to prefill."""
        if user is None or not user.is_authenticated:
            return {}
        member = getattr(user, "member_profile", None)
        if member is not None:
            values = {
                "name": member.full_name,
                "furigana": member.full_name_kana,
                "member_number": member.member_number,
                "email": user.email,
            }
        elif getattr(user, "kind", "") == "guest":  # a guest logs in with the guest number
            values = {"member_number": user.username, "email": user.email}
        else:
            return {}  # staff: nothing of theirs belongs in a member's inquiry
        initial = {}
        for field in self.get_form_fields():
            if field.prefill and values.get(field.prefill):
                initial[field.clean_name or field.get_field_clean_name()] = values[field.prefill]
        return initial

    def process_form_submission(self, form):
        """Store the submission and queue the mail to the secretariat; a bot (a filled
        honeypot) gets the thank-you page but nothing is stored or sent."""
        from core.outbox import enqueue_with_transaction

        from ..tasks import send_inquiry_mail

        if form.is_spam():
            return None
        with transaction.atomic():
            submission = self.get_submission_class().objects.create(form_data=form.submission_data(), page=self)
            enqueue_with_transaction(send_inquiry_mail, submission_id=submission.pk)
        return submission

    def get_submissions_list_view_class(self):
        from ..admin.inquiries import InquirySubmissionsListView  # the admin's views load after the models

        return InquirySubmissionsListView

    def inquiry_mail(self, submission):
        """The secretariat's mail for one stored submission, or None without a recipient."""
        site = self.get_site() or Site.objects.filter(is_default_site=True).first()
        site_settings = SocietySettings.for_site(site)
        recipients = site_settings.inquiry_mail_recipients
        if not recipients:
            return None
        data = submission.form_data
        lines = [f"{site_settings.society_name}の「{self.title}」に次のお問い合わせがありました。", ""]
        reply_to = []
        for field in self.get_form_fields():
            value = data.get(field.clean_name, "")
            if isinstance(value, list):
                value = "、".join(str(item) for item in value)
            value = str(value).strip()
            if field.field_type == "email" and value and not reply_to:
                reply_to.append(value)
            if "\n" in value:
                lines += [f"{field.label}:", *(f"  {line}" for line in value.splitlines()), ""]
            else:
                lines.append(f"{field.label}: {value}")
        submitted = timezone.localtime(submission.submit_time)
        lines += [
            "",
            f"受付日時: {submitted:%Y年%m月%d日 %H:%M}",
            f"管理画面: {settings.SITE_URL}{reverse('wagtailforms:list_submissions', args=[self.pk])}",
        ]
        return EmailMessage(
            subject=self.subject or f"【{self.title}】{site_settings.society_name}",
            body="\n".join(lines),
            from_email=site_settings.inquiry_from_address or None,
            to=recipients,
            reply_to=reply_to,
        )


def help_pages(site_settings):
    """The Q&A page and the inquiry page that the login and home pages link to, found in one
    query (besides Wagtail's lookup of view restrictions); either may be None.

    The inquiry page is the one chosen in the society settings when it is live and public,
    otherwise the first live public InquiryPage. Both are returned as plain ``Page`` objects,
    which is all a link needs.
    """
    types = ContentType.objects.get_for_models(QAPage, InquiryPage)  # cached after the first call
    chosen_id = site_settings.inquiry_page_id if site_settings else None
    wanted = Q(content_type__in=types.values())
    if chosen_id:
        wanted |= Q(pk=chosen_id)
    qa_page = inquiry_page = chosen = None
    for page in Page.objects.live().public().filter(wanted).order_by("path"):
        if page.pk == chosen_id:
            chosen = page
        if page.content_type_id == types[QAPage].pk and qa_page is None:
            qa_page = page
        if page.content_type_id == types[InquiryPage].pk and inquiry_page is None:
            inquiry_page = page
    return qa_page, chosen or inquiry_page
