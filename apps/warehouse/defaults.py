"""Default reference data (CONTRACT.md section 5); rows staff may edit afterwards in the admin."""

from __future__ import annotations

STORE_PLATFORMS: dict[str, str] = {
    "spotify": "Spotify",
    "apple music": "Apple Music",
    "itunes match": "Apple Music",
    "itunes": "iTunes",
    "itunes songs": "iTunes",
    "itunes albums": "iTunes",
    "youtube (ads)": "YouTube",
    "youtube (red)": "YouTube",
    "youtube (audio)": "YouTube",
    "youtube music": "YouTube",
    "youtube": "YouTube",
    "amazon unlimited (streaming)": "Amazon",
    "amazon prime (streaming)": "Amazon",
    "amazon (downloads)": "Amazon",
    "amazon songs": "Amazon",
    "amazon music": "Amazon",
    "tiktok": "TikTok",
    "resso": "TikTok",
    "facebook": "Meta",
    "instagram": "Meta",
    "instagram/facebook": "Meta",
    "tidal": "Tidal",
    "deezer": "Deezer",
    "pandora": "Pandora",
    "netease": "NetEase",
    "flo": "Flo",
    "snapchat": "Snapchat",
}

DISTRIBUTORS: dict[str, str] = {"distrokid": "DistroKid", "toolost": "TooLost"}

ARTIST_ALIASES: dict[str, list[str]] = {
    "ZONE A0": ["zone.a0", "zonea0", "zone_a0", "zone a0"],
    "PIG1987": ["pig1987", "pig 1987"],
    "IWARY": ["iwary"],
    "XXMEATWARRIOR69XX": ["xxmeatwarrior69xx"],
    "ZONE A0 X SXNCTUARY": ["zone a0 x sxnctuary", "zone.a0 x sxnctuary"],
}
