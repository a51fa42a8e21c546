"""Demo data for `make run`: every app's demo rows, in the order they build on each other,
and the demo logins printed at the end (README and tests/e2e rely on them).

Idempotent: running it again finds what is there and adds only what is missing, so the
printed logins always work. Each app builds its own rows (``<app>/demo.py``); this project
command is the one place that knows them all, including the stand-in gateway.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cms_pages import demo as cms_demo
from gateway_sandbox import demo as sandbox_demo
from membership import demo as membership_demo
from membership.demo import (
    DEMO_ADMIN_PASSWORD,
    DEMO_ADMIN_USERNAME,
    DEMO_EDITOR_PASSWORD,
    DEMO_EDITOR_USERNAME,
    DEMO_GUEST_NUMBER,
    DEMO_GUEST_PASSWORD,
    DEMO_MEMBER_NUMBER,
    DEMO_MEMBER_PASSWORD,
    DEMO_MEMBERS,
    DEMO_RECEPTIONIST_PASSWORD,
    DEMO_RECEPTIONIST_USERNAME,
    DEMO_STAFF_PASSWORD,
    DEMO_STAFF_USERNAME,
    FIRST_DEMO_NUMBER,
)
from renewal import demo as renewal_demo


class Command(BaseCommand):
    help = "Create (or complete) the demo data and print the demo logins."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            # Demo logins with known passwords (and resetting them) have no place in production.
            raise CommandError("seed_demo is for development only (DEBUG=1); it refuses to run with DEBUG off.")
        cms_demo.ensure_demo_site()
        membership_demo.ensure_demo_accounts()
        membership_demo.ensure_demo_dues()
        if settings.PAYMENT_GATEWAY == "sandbox":
            # Store payments waiting at the gateway: ours and the sandbox's records of them.
            for trade in membership_demo.ensure_open_store_payments():
                sandbox_demo.ensure_issued_store_trade(**vars(trade))
        membership_demo.ensure_demo_applications()
        renewal_demo.ensure_demo_seminars()
        renewal_demo.ensure_demo_renewals()
        self.print_logins()

    def print_logins(self):
        site = settings.SITE_URL
        last_demo_number = FIRST_DEMO_NUMBER + len(DEMO_MEMBERS) - 1
        self.stdout.write(
            "\n管理画面のデモ担当者(事務局・編集者):\n"
            f"  事務局      {site}/admin/         ユーザー名 {DEMO_STAFF_USERNAME}  パスワード {DEMO_STAFF_PASSWORD}\n"
            f"  編集者      {site}/admin/         ユーザー名 {DEMO_EDITOR_USERNAME}  パスワード {DEMO_EDITOR_PASSWORD}\n"
            f"  受付        {site}/admin/checkin/ ユーザー名 {DEMO_RECEPTIONIST_USERNAME}  パスワード {DEMO_RECEPTIONIST_PASSWORD}"
            f"(本日の「{renewal_demo.CHECKIN_SEMINAR}」で受付を試せます)\n"
            f"  (デモ会員 {len(DEMO_MEMBERS)} 名: 会員番号 {FIRST_DEMO_NUMBER:07d}〜{last_demo_number:07d}、パスワード未設定)\n"
            "  管理画面は2段階認証です。初めてのログインでQRコードが表示されるので、スマートフォンの認証アプリ\n"
            "  (Google Authenticator など)で読み取り、表示された6桁の数字を入力してください(リカバリーコードを控えます)。"
        )
        self.stdout.write(
            "\nデモのログイン情報:\n"
            f"  会員ページ  {site}/member/login  会員番号 {DEMO_MEMBER_NUMBER}  パスワード {DEMO_MEMBER_PASSWORD}\n"
            f"  ゲスト      {site}/member/login  ゲストユーザー番号 {DEMO_GUEST_NUMBER}  パスワード {DEMO_GUEST_PASSWORD}\n"
            f"  管理画面    {site}/admin/         ユーザー名 {DEMO_ADMIN_USERNAME}  パスワード {DEMO_ADMIN_PASSWORD}\n"
        )
