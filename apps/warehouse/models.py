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


MONEY = {"max_digits": 24, "decimal_places": 12}


class Account(models.Model):
    """A persona, channel or profile of one source, mapped to an artist (`tiktok/zonea0`)."""

    source = models.CharField(max_length=32)
    slug = models.CharField(max_length=200)
    artist = models.ForeignKey(
        Artist, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "slug"], name="account_natural_key")
        ]
        ordering = ["source", "slug"]

    def __str__(self) -> str:
        return f"{self.source}/{self.slug}"


class TrackAlias(models.Model):
    """A title or external id (Spotify track id, S4A song title) that resolves to a track."""

    alias = models.CharField(max_length=300)
    source = models.CharField(max_length=32, blank=True, default="")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alias", "source"], name="track_alias_unique")
        ]
        verbose_name_plural = "track aliases"

    def __str__(self) -> str:
        return f"{self.alias} -> {self.track}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.alias = normalise_name(self.alias)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class TrackSplit(models.Model):
    """A party's share of a track's earnings from `effective_from` (until `effective_to`).
    A flat fee is recouped from the track's earnings before shares apply."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="splits")
    party = models.CharField(max_length=200)
    share = models.DecimalField(max_digits=5, decimal_places=2, help_text="Percent, 0-100")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    flat_fee_usd = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    is_label = models.BooleanField(default=False, help_text="The label's own side")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["track", "party", "effective_from"], name="track_split_natural_key"
            )
        ]
        ordering = ["track", "effective_from", "party"]

    def __str__(self) -> str:
        return f"{self.track}: {self.party} {self.share}%"


class DailyStream(models.Model):
    """The contract's "Streams": daily counts per platform and distributor."""

    date = models.DateField()
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT)
    distributor = models.ForeignKey(Distributor, on_delete=models.PROTECT)
    streams = models.BigIntegerField()
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["date", "platform", "distributor"], name="daily_stream_natural_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.platform} {self.streams}"


class Campaign(models.Model):
    """A Meta Ads campaign with its parsed artist/track/targeting; overrides win over the parse."""

    ad_account = models.CharField(max_length=64, blank=True, default="")
    external_id = models.CharField(max_length=32, blank=True, default="")
    name = models.CharField(max_length=400)
    artist = models.ForeignKey(Artist, null=True, blank=True, on_delete=models.SET_NULL)
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.SET_NULL)
    targeting = models.CharField(max_length=400, blank=True)
    parse_status = models.CharField(max_length=16, default="parsed")  # parsed / needs_review
    override_artist = models.ForeignKey(
        Artist, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_track = models.ForeignKey(
        Track, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_targeting = models.CharField(max_length=400, blank=True)
    objective = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32, blank=True)
    daily_budget_usd = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    lifetime_budget_usd = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    first_spend_on = models.DateField(null=True, blank=True)
    last_spend_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ad_account", "external_id", "name"], name="campaign_natural_key"
            )
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_artist_id(self) -> int | None:
        return self.override_artist_id or self.artist_id

    @property
    def effective_track_id(self) -> int | None:
        return self.override_track_id or self.track_id


class AdPerformanceDaily(models.Model):
    """One day of one campaign (or ad set / ad: `grain`); KPIs use the finest grain present."""

    date = models.DateField()
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="days")
    adset_id = models.CharField(max_length=32, blank=True, default="")
    ad_id = models.CharField(max_length=32, blank=True, default="")
    grain = models.CharField(max_length=8)
    spend_usd = models.DecimalField(**MONEY)
    impressions = models.BigIntegerField(default=0)
    reach = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(default=0)
    link_clicks = models.BigIntegerField(default=0)
    results = models.BigIntegerField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["date", "campaign", "adset_id", "ad_id"], name="ad_daily_natural_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.campaign} {self.spend_usd}"


class AdPerformancePeriod(models.Model):
    """Totals over a window with no day breakdown (month, lifetime): never stamped on one day."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="periods")
    period_start = models.DateField()
    period_end = models.DateField()
    grain = models.CharField(max_length=8)
    adset_id = models.CharField(max_length=32, blank=True, default="")
    ad_id = models.CharField(max_length=32, blank=True, default="")
    spend_usd = models.DecimalField(**MONEY)
    impressions = models.BigIntegerField(default=0)
    reach = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(default=0)
    link_clicks = models.BigIntegerField(default=0)
    results = models.BigIntegerField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "period_start", "period_end", "grain", "adset_id", "ad_id"],
                name="ad_period_natural_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_start}..{self.period_end} {self.campaign}"


class SocialDaily(models.Model):
    """A social account's day (TikTok, Instagram, YouTube); null = not reported that day."""

    platform = models.CharField(max_length=16)  # tiktok / instagram / youtube
    account = models.CharField(max_length=200)
    date = models.DateField()
    views = models.BigIntegerField(null=True, blank=True)
    engaged_views = models.BigIntegerField(null=True, blank=True)
    profile_views = models.BigIntegerField(null=True, blank=True)
    likes = models.BigIntegerField(null=True, blank=True)
    comments = models.BigIntegerField(null=True, blank=True)
    shares = models.BigIntegerField(null=True, blank=True)
    reach = models.BigIntegerField(null=True, blank=True)
    followers_total = models.BigIntegerField(null=True, blank=True)
    new_followers = models.BigIntegerField(null=True, blank=True)
    lost_followers = models.BigIntegerField(null=True, blank=True)
    watch_minutes = models.BigIntegerField(null=True, blank=True)
    subscribers_gained = models.BigIntegerField(null=True, blank=True)
    subscribers_lost = models.BigIntegerField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "account", "date"], name="social_daily_natural_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform}/{self.account} {self.date}"


class AudienceDaily(models.Model):
    """Spotify for Artists figures per artist account and day (`followers` is a running total)."""

    account = models.CharField(max_length=200)
    artist = models.ForeignKey(Artist, null=True, blank=True, on_delete=models.SET_NULL)
    date = models.DateField()
    listeners = models.BigIntegerField(null=True, blank=True)
    streams = models.BigIntegerField(null=True, blank=True)
    followers = models.BigIntegerField(null=True, blank=True)
    playlist_adds = models.BigIntegerField(null=True, blank=True)
    saves = models.BigIntegerField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "date"], name="audience_daily_natural_key")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.date}"


class LinkAnalyticsDaily(models.Model):
    account = models.CharField(max_length=200)
    date = models.DateField()
    views = models.BigIntegerField(default=0)
    unique_views = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(default=0)
    unique_clicks = models.BigIntegerField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "date"], name="link_daily_natural_key")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.date}"
