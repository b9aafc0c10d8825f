"""Forms of the credentials page; the secret field is never rendered back (render_value off)."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from apps.sources.inventory import CREDENTIAL_KINDS, SOURCE_PROFILES, UPLOAD_ONLY

ACCOUNT_VALIDATOR = RegexValidator(
    r"^[a-z0-9][a-z0-9._-]{0,63}$", "lower-case letters, digits, '.', '_' or '-'"
)


class CredentialForm(forms.Form):
    source = forms.ChoiceField(
        choices=[(s, s) for s, p in SOURCE_PROFILES.items() if p.strategy != UPLOAD_ONLY]
    )
    account = forms.CharField(
        required=False,
        max_length=64,
        validators=[ACCOUNT_VALIDATOR],
        help_text="Empty for one-account sources; the persona (zonea0) otherwise.",
    )
    kind = forms.ChoiceField(choices=[(kind, kind) for kind in CREDENTIAL_KINDS])
    secret = forms.CharField(
        max_length=2_000_000,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
        help_text=(
            'A JSON object: a Playwright storage state; password {"username", "password"}; '
            'oauth_refresh {"client_id", "client_secret", "refresh_token"}; api_token '
            '{"access_token", "ad_account_id" or "user_id"}; or a bare token or API key.'
        ),
    )
    expires_at = forms.DateTimeField(
        required=False, help_text="Optional (UTC, YYYY-MM-DD HH:MM). Empty: the default age."
    )
    extract_after_save = forms.BooleanField(
        required=False, initial=True, label="Run the extraction after saving"
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        source, kind = cleaned.get("source"), cleaned.get("kind")
        profile = SOURCE_PROFILES.get(str(source))
        if profile and kind and kind not in profile.kinds:
            self.add_error("kind", f"{source} takes {', '.join(profile.kinds)}")
        return cleaned


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        max_length=32, widget=forms.TextInput(attrs={"autocomplete": "one-time-code"})
    )
