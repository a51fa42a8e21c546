"""Opaque card tokens (issue 11): each member gets a random ``card_key`` for the card's QR
URL, in place of the signed [member id, expiry] that anyone could read; and the public
verification page is throttled per network address (``membership.throttle``).

The key is added empty, filled with a random value per existing member, then made unique.
Cards shown before the upgrade (old QR codes) no longer verify: members open their card page
again for the new code (README).
"""

import secrets

import django.utils.timezone
from django.db import migrations, models

import membership.models.members


def fill_card_keys(apps, schema_editor):
    Member = apps.get_model("membership", "Member")
    members = list(Member.objects.filter(card_key__isnull=True).only("pk"))
    for member in members:
        member.card_key = secrets.token_urlsafe(16)
    Member.objects.bulk_update(members, ["card_key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0014_throttle_hit"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="card_key",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(fill_card_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="member",
            name="card_key",
            field=models.CharField(
                default=membership.models.members.new_card_key,
                editable=False,
                help_text="会員証のQRコードのURLに含まれる乱数です(membership.card)。",
                max_length=32,
                unique=True,
                verbose_name="会員証の鍵",
            ),
        ),
    ]
