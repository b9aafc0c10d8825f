"""Seed one editable SourceHealthSetting per source with SPEC 6.4's default priorities."""

from django.db import migrations

DEFAULTS = {
    "toolost": "CRITICAL",
    "spotify": "HIGH",
    "tiktok": "HIGH",
    "distrokid": "MEDIUM",
    "linktree": "MEDIUM",
    "youtube": "MEDIUM",
    "instagram": "MEDIUM",
    "metaads": "LOW",
    "mailchimp": "LOW",
    "submithub": "LOW",
}


def seed(apps, schema_editor):
    setting = apps.get_model("health", "SourceHealthSetting")
    for source, priority in DEFAULTS.items():
        setting.objects.get_or_create(source=source, defaults={"priority": priority})


class Migration(migrations.Migration):
    dependencies = [("health", "0002_notifications_pauses_remediation")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
