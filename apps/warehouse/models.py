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

    # Foreign keys without database constraints: the loader takes every id from rows it has just
    # read or created, and deferred checks of five constraints on a million new lines cost
    # about 70 s at commit (bench). Django still applies PROTECT/SET_NULL on delete. The
    # distributor leads the natural key; platform and artist have no index (see Meta.indexes).
    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, db_constraint=False, db_index=False
    )
    # In byte order ("C" collation) on PostgreSQL: migration 0010 sets it, as SQLite has no
    # collation of that name for the field to declare.
    line_fingerprint = models.CharField(max_length=64)
    occurrence = models.PositiveIntegerField()
    schema_id = models.CharField(max_length=32)
    reporting_date = models.DateField()
    sale_month = models.DateField(help_text="First day of the month of consumption")
    date_inserted = models.DateField(null=True, blank=True)
    accounting_date = models.DateField(null=True, blank=True)
    store = models.CharField(max_length=200, help_text="Store name as reported")
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, db_constraint=False, db_index=False
    )
    territory = models.ForeignKey(
        Territory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
    )
    artist_name = models.CharField(max_length=300, help_text="Artist as reported")
    artist = models.ForeignKey(
        Artist,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
    )
    title = models.CharField(max_length=500)
    isrc = models.CharField(max_length=12, blank=True)
    upc = models.CharField(max_length=14, blank=True)
    track = models.ForeignKey(
        Track,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
    )
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
        # Every index costs each loaded line an insertion and its WAL (1M-line COPY, backend
        # CPU and WAL: 14.3 s and 621 MB with indexes on sale_month and track, 9.5 s without
        # them, 8 s and 491 MB with the fingerprint in byte order too; only the id key: 7.6 s).
        # So lines keep only the two partial indexes of the few lines waiting for review (the
        # "unassigned" filter and artist queue; the unmatched-track queue and track assignment):
        # a line with both ids costs them a predicate test, not an insertion. Every other read
        # scans the table (0.3-0.5 s per 1M lines), where an index seldom helped: the revenue
        # KPIs read the rollups, a rollup rewrite and the per-unit series take most sale months,
        # the lines page sorts its whole selection by reporting date, and merges and deletes of
        # tracks or artists are rare staff actions.
        indexes = [
            models.Index(
                fields=["sale_month"],
                condition=models.Q(artist__isnull=True),
                name="statement_line_unassigned",
            ),
            models.Index(
                fields=["sale_month"],
                condition=models.Q(track__isnull=True),
                name="statement_line_untracked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reporting_date} {self.store} {self.title} {self.earnings_usd}"


class StatementSums(models.Model):
    """What both rollups hold per group of statement lines. Rebuilt from the lines, in the
    transaction that changes them, by `apps.warehouse.rollup`; never edited by hand. No
    database constraints: the tables are small and rewritten a sale month at a time."""

    distributor = models.ForeignKey(
        Distributor, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    platform = models.ForeignKey(
        Platform, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    artist = models.ForeignKey(
        Artist, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    sale_month = models.DateField(db_index=True, help_text="First day of the sale month")
    lines = models.BigIntegerField()
    units = models.BigIntegerField()
    earnings_usd = models.DecimalField(max_digits=24, decimal_places=12)

    class Meta:
        abstract = True


class RevenueRollup(StatementSums):
    """Statement lines summed per (distributor, platform, artist, track, sale month, reporting
    month): what every revenue KPI reads instead of the lines themselves (a million lines make
    about 50,000 rows)."""

    track = models.ForeignKey(
        Track, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    reporting_month = models.DateField(help_text="First day of the reporting month")
    # Splits recoup flat fees out of positive earnings only (SPEC 5.3.3).
    positive_earnings_usd = models.DecimalField(max_digits=24, decimal_places=12)

    def __str__(self) -> str:
        return f"{self.sale_month:%Y-%m} via {self.reporting_month:%Y-%m}: {self.earnings_usd}"


class TerritoryRollup(StatementSums):
    """Statement lines summed per (distributor, platform, artist, territory, sale month), for
    the territory breakdown; refreshed with `RevenueRollup`."""

    territory = models.ForeignKey(
        Territory, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.sale_month:%Y-%m} territory {self.territory_id}: {self.earnings_usd}"


class WarehouseLoad(models.Model):
    """One finished load; the newest `finished_at` is every KPI's `as_of`."""

    # Comma-separated dataset names: a rebuild names every dataset.
    dataset = models.CharField(max_length=1000)
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
    effective_status = models.CharField(max_length=32, blank=True, default="", db_default="")
    parse_notes = models.CharField(
        max_length=300, blank=True, default="", db_default="", help_text="Why it needs review"
    )

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


class AdSet(models.Model):
    """A Meta ad set of a campaign (SPEC 2.5): its 18-digit id, or `name:<name>` when an export
    lost the id; budgets in currency units."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="adsets")
    external_id = models.CharField(max_length=300)
    name = models.CharField(max_length=400, blank=True)
    status = models.CharField(max_length=32, blank=True)
    effective_status = models.CharField(max_length=32, blank=True)
    daily_budget_usd = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    lifetime_budget_usd = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    targeting = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "external_id"], name="adset_natural_key")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.external_id


class Ad(models.Model):
    """A Meta ad of an ad set (SPEC 2.5); keyed like AdSet."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ads")
    adset = models.ForeignKey(
        AdSet, null=True, blank=True, on_delete=models.SET_NULL, related_name="ads"
    )
    external_id = models.CharField(max_length=300)
    name = models.CharField(max_length=400, blank=True)
    status = models.CharField(max_length=32, blank=True)
    effective_status = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "external_id"], name="ad_natural_key")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.external_id


class AdPerformanceDaily(models.Model):
    """One day of one campaign (or ad set / ad: `grain`); KPIs use the finest grain present."""

    date = models.DateField()
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="days")
    adset_id = models.CharField(max_length=300, blank=True, default="")
    ad_id = models.CharField(max_length=300, blank=True, default="")
    # The ad set / ad objects the row is about (null at a coarser grain), so a fact points at
    # its own level; adset_id / ad_id above stay the natural key's text.
    adset_entity = models.ForeignKey(
        AdSet, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ad_entity = models.ForeignKey(
        Ad, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    grain = models.CharField(max_length=8)
    spend_usd = models.DecimalField(**MONEY)
    impressions = models.BigIntegerField(default=0)
    reach = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(default=0)
    link_clicks = models.BigIntegerField(default=0)
    results = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="USD", db_default="USD")
    spend = models.DecimalField(**MONEY, null=True, blank=True, help_text="In `currency`")
    lacks_fx_rate = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Non-USD spend with no FX rate: spend_usd is 0 until one exists",
    )
    actions = models.JSONField(null=True, blank=True)
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
    adset_id = models.CharField(max_length=300, blank=True, default="")
    ad_id = models.CharField(max_length=300, blank=True, default="")
    # The ad set / ad objects the row is about (null at a coarser grain), so a fact points at
    # its own level; adset_id / ad_id above stay the natural key's text.
    adset_entity = models.ForeignKey(
        AdSet, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ad_entity = models.ForeignKey(
        Ad, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    spend_usd = models.DecimalField(**MONEY)
    impressions = models.BigIntegerField(default=0)
    reach = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(default=0)
    link_clicks = models.BigIntegerField(default=0)
    results = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="USD", db_default="USD")
    spend = models.DecimalField(**MONEY, null=True, blank=True, help_text="In `currency`")
    lacks_fx_rate = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Non-USD spend with no FX rate: spend_usd is 0 until one exists",
    )
    actions = models.JSONField(null=True, blank=True)
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
    # Instagram: `impressions` keeps its own name; `views` falls back to it before the switch
    # and `views_metric` says which one `views` holds that day (SPEC 2.9).
    impressions = models.BigIntegerField(null=True, blank=True)
    views_metric = models.CharField(max_length=16, blank=True, default="", db_default="")
    website_clicks = models.BigIntegerField(null=True, blank=True)
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
    click_through_rate = models.FloatField(null=True, blank=True, help_text="Fraction; may be > 1")
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "date"], name="link_daily_natural_key")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.date}"


# --- Models added by migration 0004: the remaining curated datasets, FX, expenses, reports ---


class FxRate(models.Model):
    """USD value of one unit of `currency` in a month: editable, converts non-USD Meta spend."""

    currency = models.CharField(max_length=3)
    month = models.DateField(help_text="First day of the month")
    usd_per_unit = models.DecimalField(max_digits=18, decimal_places=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["currency", "month"], name="fx_rate_natural_key")
        ]
        ordering = ["currency", "-month"]

    def __str__(self) -> str:
        return f"{self.currency} {self.month:%Y-%m} = {self.usd_per_unit} USD"

    def save(self, *args: object, **kwargs: object) -> None:
        self.currency = self.currency.strip().upper()
        self.month = self.month.replace(day=1)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Release(models.Model):
    """A release (single/ep/album); UPC when known, else (artist, title, release date)."""

    upc = models.CharField(max_length=14, unique=True, null=True, blank=True)
    title = models.CharField(max_length=300)
    artist = models.ForeignKey(Artist, null=True, blank=True, on_delete=models.SET_NULL)
    release_date = models.DateField(null=True, blank=True)
    release_type = models.CharField(max_length=16, blank=True)  # single / ep / album
    # The type the loader last inferred: a release_type that differs from it was set by staff,
    # and loads never overwrite it (apps.warehouse.releases).
    release_type_inferred = models.CharField(
        max_length=16, blank=True, default="", db_default="", editable=False
    )
    tracks = models.ManyToManyField(Track, blank=True, related_name="releases")

    class Meta:
        ordering = ["-release_date", "title"]

    def __str__(self) -> str:
        return self.title


class DistributorTrackTotal(models.Model):
    """Per-track streams over a window as a distributor showed them on one capture day."""

    captured_on = models.DateField()
    distributor = models.ForeignKey(Distributor, on_delete=models.PROTECT)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT)
    window = models.CharField(max_length=32)
    track_key = models.CharField(max_length=500, help_text="ISRC, else the title as shown")
    isrc = models.CharField(max_length=12, blank=True)
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.SET_NULL)
    track_title = models.CharField(max_length=500, blank=True)
    release_title = models.CharField(max_length=500, blank=True)
    streams = models.BigIntegerField()
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["captured_on", "distributor", "platform", "window", "track_key"],
                name="distributor_track_total_natural_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.captured_on} {self.track_key} {self.streams}"


class Expense(models.Model):
    """Money the label spent. Discovery Mode fees land here as `promotion`; negative statement
    lines never do (they stay negative revenue)."""

    class Category(models.TextChoices):
        ADVERTISING = "advertising"
        SOFTWARE = "software"
        EQUIPMENT = "equipment"
        DISTRIBUTION = "distribution"
        PROMOTION = "promotion"
        OTHER = "other"

    origin = models.CharField(max_length=32, help_text="discovery_fees, bank_card or admin")
    line_fingerprint = models.CharField(max_length=128)
    date = models.DateField()
    category = models.CharField(max_length=16, choices=Category.choices)
    description = models.CharField(max_length=300, blank=True)
    amount_usd = models.DecimalField(**MONEY)
    distributor = models.ForeignKey(Distributor, null=True, blank=True, on_delete=models.PROTECT)
    streams = models.BigIntegerField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "line_fingerprint"], name="expense_natural_key"
            )
        ]
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.category} {self.amount_usd}"


class SongStreamDaily(models.Model):
    """S4A per-song streams per day; the song resolves to a track when the catalogue knows it."""

    account = models.CharField(max_length=200)
    song_key = models.CharField(max_length=300)
    date = models.DateField()
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.SET_NULL)
    song_title = models.CharField(max_length=500, blank=True)
    streams = models.BigIntegerField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "song_key", "date"], name="song_stream_daily_natural_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.song_key} {self.date}"


class SongWindowSnapshot(models.Model):
    """S4A per-song totals over a window (`1day` ... `all`) as seen on one capture day."""

    account = models.CharField(max_length=200)
    song_key = models.CharField(max_length=300)
    window = models.CharField(max_length=16)
    captured_on = models.DateField()
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.SET_NULL)
    spotify_track_id = models.CharField(max_length=32, blank=True)
    song_title = models.CharField(max_length=500, blank=True)
    release_date = models.DateField(null=True, blank=True)
    streams = models.BigIntegerField(null=True, blank=True)
    listeners = models.BigIntegerField(null=True, blank=True)
    saves = models.BigIntegerField(null=True, blank=True)
    canvas_views = models.BigIntegerField(null=True, blank=True)
    is_disabled = models.BooleanField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "song_key", "window", "captured_on"],
                name="song_window_snapshot_natural_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.song_key} {self.window} {self.captured_on}"


class FollowerSnapshot(models.Model):
    """Followers of a social account as seen on one day (TikTok snapshots, Instagram profile);
    recorded on that day only, never stamped onto others."""

    platform = models.CharField(max_length=16)  # tiktok / instagram
    account = models.CharField(max_length=200)
    captured_on = models.DateField()
    followers = models.BigIntegerField(null=True, blank=True)
    follows = models.BigIntegerField(null=True, blank=True)
    media_count = models.BigIntegerField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "account", "captured_on"],
                name="follower_snapshot_natural_key",
            )
        ]
        ordering = ["platform", "account", "-captured_on"]

    def __str__(self) -> str:
        return f"{self.platform}/{self.account} {self.captured_on} {self.followers}"


class SocialVideo(models.Model):
    """Per-video totals as seen on a capture day (TikTok content export)."""

    platform = models.CharField(max_length=16)
    account = models.CharField(max_length=200)
    video_link = models.CharField(max_length=500)
    captured_on = models.DateField()
    title = models.CharField(max_length=500, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    views = models.BigIntegerField(null=True, blank=True)
    likes = models.BigIntegerField(null=True, blank=True)
    comments = models.BigIntegerField(null=True, blank=True)
    shares = models.BigIntegerField(null=True, blank=True)
    favorites = models.BigIntegerField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "account", "video_link", "captured_on"],
                name="social_video_natural_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform}/{self.account} {self.video_link} {self.captured_on}"


class VideoDaily(models.Model):
    """YouTube per-video days (`youtube_daily` rows whose video id is not `*`)."""

    channel = models.CharField(max_length=200)
    video_id = models.CharField(max_length=64)
    date = models.DateField()
    views = models.BigIntegerField(null=True, blank=True)
    engaged_views = models.BigIntegerField(null=True, blank=True)
    watch_minutes = models.BigIntegerField(null=True, blank=True)
    subscribers_gained = models.BigIntegerField(null=True, blank=True)
    subscribers_lost = models.BigIntegerField(null=True, blank=True)
    likes = models.BigIntegerField(null=True, blank=True)
    shares = models.BigIntegerField(null=True, blank=True)
    comments = models.BigIntegerField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "video_id", "date"], name="video_daily_natural_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.video_id} {self.date}"


class VideoSnapshot(models.Model):
    """YouTube Studio per-video totals over an export's period."""

    channel = models.CharField(max_length=200)
    video_id = models.CharField(max_length=64)
    period_start = models.DateField()
    period_end = models.DateField()
    title = models.CharField(max_length=500, blank=True)
    published_on = models.DateField(null=True, blank=True)
    duration_s = models.BigIntegerField(null=True, blank=True)
    views = models.BigIntegerField(null=True, blank=True)
    watch_time_hours = models.FloatField(null=True, blank=True)
    subscribers = models.BigIntegerField(null=True, blank=True)
    impressions = models.BigIntegerField(null=True, blank=True)
    impressions_ctr = models.FloatField(null=True, blank=True)
    estimated_revenue_usd = models.DecimalField(**MONEY, null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "video_id", "period_start", "period_end"],
                name="video_snapshot_natural_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.video_id} {self.period_start}..{self.period_end}"


class LinkTotals(models.Model):
    """A Linktree link's lifetime clicks as seen on a capture day."""

    link_id = models.CharField(max_length=64)
    captured_on = models.DateField()
    title = models.CharField(max_length=500, blank=True)
    is_active = models.BooleanField(null=True, blank=True)
    total_clicks = models.BigIntegerField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["link_id", "captured_on"], name="link_totals_natural_key"
            )
        ]
        verbose_name_plural = "link totals"

    def __str__(self) -> str:
        return f"{self.link_id} {self.captured_on}"


class AudienceBreakdown(models.Model):
    """A share of an audience by one dimension (country, city, referrer, device, gender...)."""

    source = models.CharField(max_length=32)
    account = models.CharField(max_length=200)
    captured_on = models.DateField()
    dimension = models.CharField(max_length=64)
    bucket = models.CharField(max_length=300)
    share = models.FloatField(null=True, blank=True)
    views = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(null=True, blank=True)
    click_through_rate = models.FloatField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "account", "captured_on", "dimension", "bucket"],
                name="audience_breakdown_natural_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}/{self.account} {self.dimension}={self.bucket}"


class EmailCampaign(models.Model):
    """A Mailchimp campaign report; the artist/release link is editable by staff."""

    campaign_id = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=500, blank=True)
    subject_line = models.CharField(max_length=500, blank=True)
    list_id = models.CharField(max_length=64, blank=True)
    send_time = models.DateTimeField(null=True, blank=True)
    emails_sent = models.BigIntegerField(null=True, blank=True)
    unique_opens = models.BigIntegerField(null=True, blank=True)
    open_rate = models.FloatField(null=True, blank=True)
    unique_clicks = models.BigIntegerField(null=True, blank=True)
    click_rate = models.FloatField(null=True, blank=True)
    unsubscribed = models.BigIntegerField(null=True, blank=True)
    hard_bounces = models.BigIntegerField(null=True, blank=True)
    soft_bounces = models.BigIntegerField(null=True, blank=True)
    abuse_reports = models.BigIntegerField(null=True, blank=True)
    artist = models.ForeignKey(Artist, null=True, blank=True, on_delete=models.SET_NULL)
    release = models.ForeignKey(Release, null=True, blank=True, on_delete=models.SET_NULL)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-send_time"]

    def __str__(self) -> str:
        return self.title or self.campaign_id


class ListMonthly(models.Model):
    """Mailchimp list growth for one month (older months lack most counts)."""

    list_id = models.CharField(max_length=64)
    month = models.DateField()
    existing = models.BigIntegerField(null=True, blank=True)
    imports = models.BigIntegerField(null=True, blank=True)
    optins = models.BigIntegerField(null=True, blank=True)
    subscribed = models.BigIntegerField(null=True, blank=True)
    unsubscribed = models.BigIntegerField(null=True, blank=True)
    cleaned = models.BigIntegerField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["list_id", "month"], name="list_monthly_natural_key")
        ]

    def __str__(self) -> str:
        return f"{self.list_id} {self.month:%Y-%m}"


class ListSnapshot(models.Model):
    """A Mailchimp list's stats as seen on one day; rates are fractions."""

    list_id = models.CharField(max_length=64)
    captured_on = models.DateField()
    member_count = models.BigIntegerField(null=True, blank=True)
    unsubscribe_count = models.BigIntegerField(null=True, blank=True)
    cleaned_count = models.BigIntegerField(null=True, blank=True)
    open_rate = models.FloatField(null=True, blank=True)
    click_rate = models.FloatField(null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["list_id", "captured_on"], name="list_snapshot_natural_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.list_id} {self.captured_on}"


class Submission(models.Model):
    """A SubmitHub submission: outcome and cost; artist and track resolve like statements."""

    submission_key = models.CharField(max_length=128, unique=True)
    submitted_on = models.DateField(null=True, blank=True)
    artist_name = models.CharField(max_length=300, blank=True)
    artist = models.ForeignKey(Artist, null=True, blank=True, on_delete=models.SET_NULL)
    track_title = models.CharField(max_length=500, blank=True)
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.SET_NULL)
    outlet = models.CharField(max_length=300, blank=True)
    curator = models.CharField(max_length=300, blank=True)
    outlet_type = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, blank=True)
    feedback = models.TextField(blank=True)
    listens = models.BigIntegerField(null=True, blank=True)
    shares = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(null=True, blank=True)
    cost_credits = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    cost_usd = models.DecimalField(**MONEY, null=True, blank=True)
    source_file_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_on"]

    def __str__(self) -> str:
        return f"{self.submitted_on} {self.track_title} -> {self.outlet}"


class ValidationReport(models.Model):
    """The warehouse checks of SPEC 4.5, run after each load, on demand and by a rebuild."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    trigger = models.CharField(max_length=32)  # load / rebuild / command / correction
    load = models.ForeignKey(WarehouseLoad, null=True, blank=True, on_delete=models.SET_NULL)
    has_failures = models.BooleanField(default=False)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"validation #{self.pk} ({'FAIL' if self.has_failures else 'ok'})"
