"""Guest sign-up's throttle becomes the public forms' throttle (membership/throttle.py): one row
per key a request is counted under, every key hashed. The last day's sign-ups are carried over."""

import hashlib

import django.utils.timezone
from django.db import migrations, models


def carry_over_sign_ups(apps, schema_editor):
    GuestSignUp = apps.get_model("membership", "GuestSignUp")
    ThrottleHit = apps.get_model("membership", "ThrottleHit")
    hits = []
    for sign_up in GuestSignUp.objects.all().iterator():
        # The e-mail hash was already sha256(lower-cased address), the throttle's key hash.
        hits.append(ThrottleHit(purpose="guest_sign_up", kind="email", key_hash=sign_up.email_hash,
                                created_at=sign_up.created_at))
        if sign_up.ip_address:
            hits.append(ThrottleHit(purpose="guest_sign_up", kind="ip",
                                    key_hash=hashlib.sha256(sign_up.ip_address.encode()).hexdigest(),
                                    created_at=sign_up.created_at))
    ThrottleHit.objects.bulk_create(hits)


class Migration(migrations.Migration):

    dependencies = [
        ("membership", "0013_guest_sign_up_throttle"),
    ]

    operations = [
        migrations.CreateModel(
            name="ThrottleHit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("purpose", models.CharField(max_length=40, verbose_name="用途")),
                ("kind", models.CharField(max_length=20, verbose_name="種類")),
                ("key_hash", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "公開フォームの利用記録",
                "verbose_name_plural": "公開フォームの利用記録",
                "indexes": [models.Index(fields=["purpose", "kind", "key_hash", "created_at"], name="throttle_hit_key")],
            },
        ),
        migrations.RunPython(carry_over_sign_ups, migrations.RunPython.noop),
        migrations.DeleteModel(name="GuestSignUp"),
    ]
