"""A file is a duplicate when both its sha256 and its connector identity match (an S4A song
timeline names its song only in the file name, so two songs can share the same bytes)."""

from django.db import migrations, models


def backfill_identity(apps, schema_editor):
    """Give rows already registered the identity a new upload of them would get, so a
    re-upload of the same song's file stays a duplicate."""
    from apps.sources.connectors.registry import CONNECTORS

    lake_file_model = apps.get_model("lake", "LakeFile")
    rows = lake_file_model.objects.filter(source__in=list(CONNECTORS)).exclude(kind="")
    for row in rows.iterator():
        identity = CONNECTORS[row.source]().dedupe_identity(
            row.kind, row.original_name, row.account
        )
        if identity:
            lake_file_model.objects.filter(pk=row.pk).update(dedupe_identity=identity[:320])


class Migration(migrations.Migration):
    dependencies = [
        ("lake", "0004_lake_file_dismissal"),
    ]

    operations = [
        migrations.AddField(
            model_name="lakefile",
            name="dedupe_identity",
            field=models.CharField(blank=True, default="", max_length=320),
        ),
        migrations.RunPython(backfill_identity, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="lakefile",
            name="lake_file_unique_sha256",
        ),
        migrations.AddConstraint(
            model_name="lakefile",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "duplicate"), _negated=True),
                fields=("sha256", "dedupe_identity"),
                name="lake_file_unique_sha256_identity",
            ),
        ),
    ]
