"""Review-queue resolution forms: each validates one one-click correction's input."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.warehouse import corrections
from apps.warehouse.models import Account, Artist, Campaign, Correction, Platform, Track


class ArtistAliasForm(forms.Form):
    raw = forms.CharField(max_length=300)
    artist = forms.ModelChoiceField(queryset=Artist.objects.all())

    def resolve(self, user: Any) -> Correction:
        data = self.cleaned_data
        return corrections.artist_alias_add(alias=data["raw"], artist=data["artist"], user=user)


class TrackAliasForm(forms.Form):
    raw = forms.CharField(max_length=500)
    track = forms.ModelChoiceField(queryset=Track.objects.all())

    def resolve(self, user: Any) -> Correction:
        data = self.cleaned_data
        return corrections.track_alias_add(alias=data["raw"], track=data["track"], user=user)


class TrackReviewedForm(forms.Form):
    track = forms.ModelChoiceField(queryset=Track.objects.filter(auto_created=True))

    def resolve(self, user: Any) -> Correction:
        return corrections.track_review_mark(track=self.cleaned_data["track"], user=user)


class StoreForm(forms.Form):
    """An empty platform accepts the store as a platform of its own name."""

    raw = forms.CharField(max_length=200)
    platform = forms.ModelChoiceField(queryset=Platform.objects.all(), required=False)

    def resolve(self, user: Any) -> Correction:
        data = self.cleaned_data
        if data["platform"] is None:
            return corrections.platform_accept(store=data["raw"], user=user)
        return corrections.store_platform_map(
            store=data["raw"], platform=data["platform"], user=user
        )


class CampaignForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.all())
    artist = forms.ModelChoiceField(queryset=Artist.objects.all(), required=False)
    track = forms.ModelChoiceField(queryset=Track.objects.all(), required=False)
    targeting = forms.CharField(max_length=400, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("artist") and not data.get("track"):
            raise forms.ValidationError("Choose an artist or a track.")
        return data

    def resolve(self, user: Any) -> Correction:
        data = self.cleaned_data
        return corrections.campaign_override_set(
            campaign=data["campaign"],
            artist=data["artist"],
            track=data["track"],
            targeting=data.get("targeting") or "",
            user=user,
        )


class AccountForm(forms.Form):
    account = forms.ModelChoiceField(queryset=Account.objects.all())
    artist = forms.ModelChoiceField(queryset=Artist.objects.all())

    def resolve(self, user: Any) -> Correction:
        data = self.cleaned_data
        return corrections.account_artist_set(
            account=data["account"], artist=data["artist"], user=user
        )


class FxRateForm(forms.Form):
    currency = forms.RegexField(regex=r"^[A-Za-z]{3}$", max_length=3)
    month = forms.DateField()
    usd_per_unit = forms.DecimalField(max_digits=18, decimal_places=10, min_value=0.0000000001)

    def resolve(self, user: Any) -> Correction:
        data = self.cleaned_data
        return corrections.fx_rate_set(
            currency=data["currency"],
            month=data["month"],
            usd_per_unit=data["usd_per_unit"],
            user=user,
        )


RESOLUTION_FORMS: dict[str, type[forms.Form]] = {
    "artist": ArtistAliasForm,
    "track": TrackAliasForm,
    "auto_track": TrackReviewedForm,
    "store": StoreForm,
    "campaign": CampaignForm,
    "account": AccountForm,
    "fx": FxRateForm,
}
