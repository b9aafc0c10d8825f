"""API extractors (official vendor APIs); importing this package registers them."""

from __future__ import annotations

from apps.sources.extractors import register
from apps.sources.extractors.api.instagram import InstagramExtractor
from apps.sources.extractors.api.mailchimp import MailchimpExtractor
from apps.sources.extractors.api.metaads import MetaAdsExtractor
from apps.sources.extractors.api.youtube import YouTubeExtractor

register(MetaAdsExtractor())
register(YouTubeExtractor())
register(MailchimpExtractor())
register(InstagramExtractor())
