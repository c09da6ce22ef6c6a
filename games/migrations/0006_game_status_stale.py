from django.db import migrations, models

STATUSES = [(1, "scheduled"), (2, "live"), (3, "final"), (4, "stale")]


class Migration(migrations.Migration):
    dependencies = [
        ("games", "0005_plays_and_box_scores"),
    ]

    operations = [
        migrations.AlterField(
            model_name="game",
            name="status",
            field=models.PositiveSmallIntegerField(choices=STATUSES, default=1),
        ),
        migrations.AlterField(
            model_name="snapshot",
            name="status",
            field=models.PositiveSmallIntegerField(choices=STATUSES),
        ),
    ]
