"""KPI endpoints, mounted at /api/ (CONTRACT section 3, SPEC 5.5)."""

from __future__ import annotations

from django.urls import URLPattern, path

from apps.kpis import api

app_name = "kpis_api"

urlpatterns: list[URLPattern] = [
    path("kpis/summary", api.KpiSummaryGetApi.as_view(), name="kpi-summary"),
    path("kpis/realtime", api.KpiRealtimeListApi.as_view(), name="kpi-realtime"),
    path("kpis/goals", api.KpiGoalListApi.as_view(), name="kpi-goals"),
    path("kpis/alerts", api.KpiAlertListApi.as_view(), name="kpi-alerts"),
    path(
        "kpis/alerts/<int:alert_id>/acknowledge",
        api.KpiAlertAcknowledgeApi.as_view(),
        name="kpi-alert-acknowledge",
    ),
    path("revenue/platform", api.RevenuePlatformListApi.as_view(), name="revenue-platform"),
    path("revenue/artist", api.RevenueArtistListApi.as_view(), name="revenue-artist"),
    path("revenue/track", api.RevenueTrackListApi.as_view(), name="revenue-track"),
    path(
        "revenue/distributor", api.RevenueDistributorListApi.as_view(), name="revenue-distributor"
    ),
    path("revenue/territory", api.RevenueTerritoryListApi.as_view(), name="revenue-territory"),
    path("revenue/monthly", api.RevenueMonthlyListApi.as_view(), name="revenue-monthly"),
    path("revenue/delays", api.RevenueDelaysGetApi.as_view(), name="revenue-delays"),
    path("revenue/ledger", api.RevenueLedgerListApi.as_view(), name="revenue-ledger"),
    path("streaming/daily", api.StreamingDailyListApi.as_view(), name="streaming-daily"),
    path("streaming/summary", api.StreamingSummaryGetApi.as_view(), name="streaming-summary"),
    path("streaming/growth", api.StreamingGrowthListApi.as_view(), name="streaming-growth"),
    path("marketing/campaigns", api.MarketingCampaignListApi.as_view(), name="marketing-campaigns"),
    path("marketing/artists", api.MarketingArtistListApi.as_view(), name="marketing-artists"),
    path("marketing/releases", api.MarketingReleaseListApi.as_view(), name="marketing-releases"),
    path(
        "marketing/submithub", api.MarketingSubmitHubListApi.as_view(), name="marketing-submithub"
    ),
    path("audience/tiktok", api.AudienceTikTokListApi.as_view(), name="audience-tiktok"),
    path("audience/tiktok-lag", api.AudienceTikTokLagGetApi.as_view(), name="audience-tiktok-lag"),
    path("audience/spotify", api.AudienceSpotifyListApi.as_view(), name="audience-spotify"),
    path("audience/linktree", api.AudienceLinktreeGetApi.as_view(), name="audience-linktree"),
    path("audience/instagram", api.AudienceInstagramListApi.as_view(), name="audience-instagram"),
    path("audience/youtube", api.AudienceYouTubeListApi.as_view(), name="audience-youtube"),
    path("audience/mailchimp", api.AudienceMailchimpListApi.as_view(), name="audience-mailchimp"),
]
