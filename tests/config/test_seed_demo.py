"""The project's seed_demo: every app's demo rows, the sandbox's record of the demo store
payments, and the demo logins printed as the README shows them."""

import io

import pytest
from django.core.management import call_command

from gateway_sandbox.models import SandboxTrade
from membership import demo
from membership.models import Payment

pytestmark = pytest.mark.django_db

# The passwords may be overridden by DEMO_*_PASSWORD in the environment (README).
LOGINS = f"""
管理画面のデモ担当者(事務局・編集者):
  事務局      http://127.0.0.1:8000/admin/         ユーザー名 jimukyoku  パスワード {demo.DEMO_STAFF_PASSWORD}
  編集者      http://127.0.0.1:8000/admin/         ユーザー名 editor  パスワード {demo.DEMO_EDITOR_PASSWORD}
  受付        http://127.0.0.1:8000/admin/checkin/ ユーザー名 uketsuke  パスワード {demo.DEMO_RECEPTIONIST_PASSWORD}(本日の「受付体験セミナー(本日開催)」で受付を試せます)
  (デモ会員 30 名: 会員番号 0020001〜0020030、パスワード未設定)
  管理画面は2段階認証です。初めてのログインでQRコードが表示されるので、スマートフォンの認証アプリ
  (Google Authenticator など)で読み取り、表示された6桁の数字を入力してください(リカバリーコードを控えます)。

デモのログイン情報:
  会員ページ  http://127.0.0.1:8000/member/login  会員番号 0012345  パスワード {demo.DEMO_MEMBER_PASSWORD}
  ゲスト      http://127.0.0.1:8000/member/login  ゲストユーザー番号 G0000001  パスワード {demo.DEMO_GUEST_PASSWORD}
  管理画面    http://127.0.0.1:8000/admin/         ユーザー名 admin  パスワード {demo.DEMO_ADMIN_PASSWORD}
"""


def seed(settings):
    settings.DEBUG = True  # seed_demo refuses to run with DEBUG off
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_prints_the_logins_and_the_sandbox_knows_the_store_payments(settings):
    settings.PAYMENT_GATEWAY = "sandbox"
    assert seed(settings) == LOGINS
    waiting = Payment.objects.filter(method=Payment.Method.CVS, status=Payment.Status.AWAITING)
    assert waiting.count() == 3
    trades = {trade.order_id: trade for trade in SandboxTrade.objects.all()}
    for payment in waiting.select_related("invoice__member__user"):
        trade = trades[payment.order_id]
        assert (trade.status, trade.amount, trade.cvs_conf_no, trade.cvs_receipt_no) == (
            SandboxTrade.Status.REQSUCCESS,
            payment.amount,
            payment.cvs_conf_no,
            payment.cvs_receipt_no,
        )
        assert trade.ret_url.endswith(f"/member/payments/{payment.order_id}/return")
    assert seed(settings) == LOGINS
    assert (Payment.objects.count(), SandboxTrade.objects.count()) == (3, 3)
