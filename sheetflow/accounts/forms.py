from django import forms

from sheetflow.accounts.models import TokenScope


class SignInForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autofocus": True}))
    password = forms.CharField(max_length=200, widget=forms.PasswordInput)


EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("never", "Never")]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name")
    # Not required: a client that leaves them out gets the defaults (full access, 90 days).
    scope = forms.ChoiceField(
        choices=TokenScope.choices, initial=TokenScope.FULL, label="Access", required=False
    )
    expires = forms.ChoiceField(
        choices=EXPIRY_CHOICES, initial="90", label="Expires after", required=False
    )

    def clean_scope(self) -> str:
        return self.cleaned_data["scope"] or TokenScope.FULL

    def expires_in_days(self) -> int | None:
        value = self.cleaned_data["expires"] or "90"
        return None if value == "never" else int(value)
