from django import forms


class SignInForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autofocus": True}))
    password = forms.CharField(max_length=200, widget=forms.PasswordInput)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name")
