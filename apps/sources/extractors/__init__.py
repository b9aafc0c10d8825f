"""Extractor registry: source id -> extractor instance (API ones here, browser ones in browser/).

Browser extractors add themselves with `register(...)` from apps/sources/extractors/browser/,
imported at the end of this module when present, so `EXTRACTORS` always holds every source.
"""

from __future__ import annotations

import importlib
import logging

from apps.health.errors import InvalidInputError
from apps.sources.extractors.base import (
    CredentialMissing,
    CredentialRejected,
    Extractor,
    TwoFactorRequired,
)

logger = logging.getLogger(__name__)

EXTRACTORS: dict[str, Extractor] = {}


def register(extractor: Extractor) -> Extractor:
    """Add an extractor under its source id; a second one for the same source replaces it."""
    EXTRACTORS[extractor.source] = extractor
    return extractor


def extractor_for(source: str) -> Extractor:
    try:
        return EXTRACTORS[source]
    except KeyError:
        known = ", ".join(sorted(EXTRACTORS)) or "none"
        raise InvalidInputError(
            f"no extractor for source {source!r}; sources with one: {known}"
        ) from None


def _load_builtin_extractors() -> None:
    # API extractors first, then the browser package (part of the same registry).
    for module in ("apps.sources.extractors.api", "apps.sources.extractors.browser"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
            logger.debug("extractor_module_absent module=%s", module)


_load_builtin_extractors()

__all__ = [
    "EXTRACTORS",
    "CredentialMissing",
    "CredentialRejected",
    "Extractor",
    "TwoFactorRequired",
    "extractor_for",
    "register",
]
