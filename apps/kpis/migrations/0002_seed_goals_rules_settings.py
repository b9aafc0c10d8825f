"""Default goals, alert thresholds and KPI settings (SPEC 5.3, 5.4); staff edit them afterwards."""

from decimal import Decimal

from django.db import migrations

GOALS = {
    "monthly_revenue": Decimal("500"),
    "monthly_streams": Decimal("200000"),
    "spotify_followers": Decimal("10000"),
}
ALERT_RULES = {
    "revenue_swing_usd": Decimal("100"),
    "streaming_drop_fraction": Decimal("0.20"),
    "late_statement_escalation_days": Decimal("30"),
}
SETTINGS = {"attribution_window_days": 28, "report_grace_days": 10}


def seed(apps, schema_editor):
    Goal = apps.get_model("kpis", "Goal")
    AlertRule = apps.get_model("kpis", "AlertRule")
    KpiSetting = apps.get_model("kpis", "KpiSetting")
    # get_or_create: a row an admin already edited keeps its value.
    for name, target in GOALS.items():
        Goal.objects.get_or_create(name=name, defaults={"target": target})
    for name, threshold in ALERT_RULES.items():
        AlertRule.objects.get_or_create(name=name, defaults={"threshold": threshold})
    for name, value in SETTINGS.items():
        KpiSetting.objects.get_or_create(name=name, defaults={"value": value})


class Migration(migrations.Migration):
    dependencies = [("kpis", "0001_goals_alerts_settings")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
