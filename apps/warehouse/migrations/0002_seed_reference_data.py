from __future__ import annotations

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from apps.warehouse.defaults import ARTIST_ALIASES, DISTRIBUTORS, STORE_PLATFORMS

    platform_model = apps.get_model("warehouse", "Platform")
    store_model = apps.get_model("warehouse", "StoreMapping")
    distributor_model = apps.get_model("warehouse", "Distributor")
    artist_model = apps.get_model("warehouse", "Artist")
    alias_model = apps.get_model("warehouse", "ArtistAlias")
    for store, platform_name in STORE_PLATFORMS.items():
        platform, _ = platform_model.objects.get_or_create(name=platform_name)
        store_model.objects.get_or_create(store=store, defaults={"platform": platform})
    for code, name in DISTRIBUTORS.items():
        distributor_model.objects.get_or_create(code=code, defaults={"name": name})
    for name, aliases in ARTIST_ALIASES.items():
        artist, _ = artist_model.objects.get_or_create(name=name)
        for alias in {name.casefold(), *aliases}:
            alias_model.objects.get_or_create(alias=alias, source="", defaults={"artist": artist})


class Migration(migrations.Migration):
    dependencies = [("warehouse", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
