from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password

from portal.tenants.roles import Role

User = get_user_model()


class SignupForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Your name")
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput, help_text="At least 10 characters.")
    organization_name = forms.CharField(max_length=120, label="Company name")

    def __init__(self, *args, with_organization: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_organization:
            del self.fields["organization_name"]

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(username=email).exists():
            raise forms.ValidationError("An account with this email already exists: log in instead.")
        return email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            candidate = User(username=cleaned.get("email", ""), email=cleaned.get("email", ""))
            try:
                validate_password(password, candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class InvitationForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, initial=Role.OPERATOR)
    email = forms.EmailField(required=False, help_text="Optional: who the link is meant for.")


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="What will use it, e.g. 'deploy script'.")
