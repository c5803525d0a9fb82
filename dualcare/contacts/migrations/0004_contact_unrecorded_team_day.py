from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0003_contact_person_day"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                condition=models.Q(("kind", "collection"), ("outcome", "")),
                fields=["team", "due_on"],
                name="contact_unrecorded_team_day",
            ),
        ),
    ]
