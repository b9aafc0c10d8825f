from __future__ import annotations

from django.conf import settings
from django.db import models


def normalise_name(value: str) -> str:
    """Alias key: casefold, trim, collapse whitespace (so `Zone  A0 ` == `zone a0`)."""
    return " ".join(value.casefold().split())


class Artist(models.Model):
    name = models.CharField(max_length=200, unique=True, help_text="Canonical upper-case name")
    status = models.CharField(max_length=16, default="active")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.name = self.name.strip().upper()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ArtistAlias(models.Model):
    """An alternative spelling that resolves to an artist; `source` empty means every source."""

    alias = models.CharField(max_length=200, help_text="Normalised alias (casefolded, trimmed)")
    source = models.CharField(max_length=32, blank=True, default="")
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alias", "source"], name="artist_alias_unique")
        ]
        verbose_name_plural = "artist aliases"

    def __str__(self) -> str:
        return f"{self.alias} -> {self.artist}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.alias = normalise_name(self.alias)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Track(models.Model):
    isrc = models.CharField(max_length=12, unique=True, null=True, blank=True)
    upc = models.CharField(max_length=14, blank=True)
    title = models.CharField(max_length=300)
    artist = models.ForeignKey(
        Artist, null=True, blank=True, on_delete=models.SET_NULL, related_name="tracks"
    )
    auto_created = models.BooleanField(default=False)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.isrc or 'no ISRC'})"


class Platform(models.Model):
    name = models.CharField(max_length=100, unique=True)
    is_reviewed = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StoreMapping(models.Model):
    """Statement store name (normalised) -> platform; unknown stores get a platform of their own."""

    store = models.CharField(max_length=200, unique=True, help_text="Normalised store name")
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="stores")
    is_reviewed = models.BooleanField(default=True)

    class Meta:
        ordering = ["store"]

    def __str__(self) -> str:
        return f"{self.store} -> {self.platform}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.store = normalise_name(self.store)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Territory(models.Model):
    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "territories"

    def __str__(self) -> str:
        return self.code


class Distributor(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class StatementLine(models.Model):
    """One distributor statement line; earnings are the label's share, negatives included."""

    distributor = models.ForeignKey(Distributor, on_delete=models.PROTECT)
    line_fingerprint = models.CharField(max_length=64)
    occurrence = models.PositiveIntegerField()
    schema_id = models.CharField(max_length=32)
    reporting_date = models.DateField()
    sale_month = models.DateField(db_index=True, help_text="First day of the month of consumption")
    date_inserted = models.DateField(null=True, blank=True)
    store = models.CharField(max_length=200, help_text="Store name as reported")
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT)
    territory = models.ForeignKey(Territory, null=True, blank=True, on_delete=models.PROTECT)
    artist_name = models.CharField(max_length=300, help_text="Artist as reported")
    artist = models.ForeignKey(Artist, null=True, blank=True, on_delete=models.SET_NULL)
    title = models.CharField(max_length=500)
    isrc = models.CharField(max_length=12, blank=True)
    upc = models.CharField(max_length=14, blank=True)
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.SET_NULL)
    quantity = models.BigIntegerField()
    team_percentage = models.IntegerField(null=True, blank=True)
    source_type = models.CharField(max_length=32, blank=True)
    earnings_usd = models.DecimalField(max_digits=24, decimal_places=12)
    songwriter_withheld_usd = models.DecimalField(
        max_digits=24, decimal_places=12, null=True, blank=True
    )
    recoup_usd = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True)
    source_file_id = models.BigIntegerField(help_text="LakeFile the row was last taken from")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["distributor", "line_fingerprint", "occurrence"],
                name="statement_line_natural_key",
            )
        ]
        indexes = [
            models.Index(fields=["platform", "sale_month"]),
            models.Index(fields=["artist", "sale_month"]),
        ]

    def __str__(self) -> str:
        return f"{self.reporting_date} {self.store} {self.title} {self.earnings_usd}"


class WarehouseLoad(models.Model):
    """One finished load; the newest `finished_at` is every KPI's `as_of`."""

    dataset = models.CharField(max_length=64)
    lake_file_id = models.BigIntegerField(null=True, blank=True)
    rows_upserted = models.BigIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"{self.dataset} load #{self.pk}"


class Correction(models.Model):
    """Audit log of a staff correction: who, when, what changed, how many facts were re-pointed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=64)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    rows_affected = models.IntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action}: {self.old_value} -> {self.new_value}"
