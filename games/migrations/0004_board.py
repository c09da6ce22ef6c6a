from django.db import migrations, models


def from_last_poll(apps, schema_editor):  # type: ignore[no-untyped-def]
    """A database polled before the board existed: its board is the last poll's night."""
    PollRun = apps.get_model("games", "PollRun")
    Board = apps.get_model("games", "Board")
    Game = apps.get_model("games", "Game")
    last = (
        PollRun.objects.filter(outcome="ok", board_date__isnull=False)
        .order_by("-started_at", "-id")
        .first()
    )
    if last is None:
        return
    day = last.board_date
    ids = sorted(Game.objects.filter(game_date=day).values_list("pk", flat=True))
    Board.objects.create(key=1, date=day, version=1, game_ids=ids)


class Migration(migrations.Migration):
    dependencies = [
        ("games", "0003_replay_cursor"),
    ]

    operations = [
        migrations.CreateModel(
            name="Board",
            fields=[
                (
                    "key",
                    models.PositiveSmallIntegerField(
                        default=1, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("date", models.DateField()),
                ("version", models.PositiveBigIntegerField(default=0)),
                (
                    "game_ids",
                    models.JSONField(default=list, help_text="The board's games, by game id."),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.RunPython(from_last_poll, migrations.RunPython.noop),
    ]
