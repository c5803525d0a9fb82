"""Each outbox row gets its own message id (existing rows too), an "unknown" state, the time of
its one automatic resend and the time a failed row is tried again."""

from django.db import migrations, models

import dualcare.notifications.models


def give_every_row_a_message_id(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    rows = list(Notification.objects.filter(message_id__isnull=True).only("pk"))
    for row in rows:
        row.message_id = dualcare.notifications.models.new_message_id()
    Notification.objects.bulk_update(rows, ["message_id"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_alerts_by_team_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="message_id",
            field=models.CharField(editable=False, max_length=200, null=True),
        ),
        migrations.RunPython(give_every_row_a_message_id, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="notification",
            name="message_id",
            field=models.CharField(
                default=dualcare.notifications.models.new_message_id,
                editable=False,
                max_length=200,
                unique=True,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="resent_at",
            field=models.DateTimeField(
                blank=True, help_text="The one automatic resend after an unknown outcome.", null=True
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="retry_at",
            field=models.DateTimeField(
                blank=True, help_text="A failed row (nothing was sent) is tried again from then.", null=True
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="sending_at",
            field=models.DateTimeField(blank=True, help_text="When the last attempt was claimed.", null=True),
        ),
        migrations.AlterField(
            model_name="notification",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting to be sent"),
                    ("sending", "Being sent"),
                    ("sent", "Sent"),
                    ("unknown", "May have been sent: check before sending again"),
                    ("failed", "Could not be sent"),
                ],
                default="pending",
                max_length=10,
            ),
        ),
    ]
