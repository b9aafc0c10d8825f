from __future__ import annotations

from apps.sources.connectors.base import Connector


class DistroKidConnector(Connector):
    source_id = "distrokid"
