from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.db.models import QuerySet

from stepcare.accounts.models import Service, Team, User
from stepcare.accounts.permissions import Role
from stepcare.accounts.selectors import ACCOUNTS_OFF, ACCOUNTS_ON, ALL_ACCOUNTS, StaffFilters
from stepcare.fields import ModelChoiceField, choose_from


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "The username or password is not right. Check them and try again; "
        "after 5 wrong tries the account is locked for 30 minutes.",
        "inactive": "This account has been switched off. Ask your service manager.",
    }


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "autofocus": True,
            }
        ),
        error_messages={
            "required": "Enter the 6-digit code from your authenticator app.",
            "min_length": "The code is 6 digits.",
            "max_length": "The code is 6 digits.",
        },
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not token.isdigit():
            raise forms.ValidationError("The code is 6 digits, with no letters.")
        return token


class StaffForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[a-z0-9.\-_]{3,150}$",
        label="Username",
        help_text="Lower-case letters, digits and . - _ (for example jane.smith)",
        error_messages={
            "required": "Enter a username.",
            "invalid": "Use 3 or more lower-case letters, digits, dots, hyphens or underscores.",
        },
    )
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(
        label="Work email", error_messages={"invalid": "Enter an email address like name@nhs.net."}
    )
    job_title = forms.CharField(label="Job title", max_length=120, required=False)
    temporary_password = forms.CharField(
        label="Temporary password",
        help_text="At least 12 characters. Tell them in person; they choose their own at first sign-in.",
        widget=forms.PasswordInput(render_value=True),
    )
    team = ModelChoiceField(queryset=Team.objects.none(), empty_label=None, label="Team")
    role = forms.ChoiceField(choices=Role.choices, label="Role in that team")

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = teams

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError("That username is taken. Add a number or the middle initial.")
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("temporary_password")
        if password:
            probe = User(
                username=data.get("username", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                email=data.get("email", ""),
            )
            try:
                validate_password(password, probe)
            except forms.ValidationError as exc:
                self.add_error("temporary_password", exc)
        return data


class MembershipForm(forms.Form):
    team = ModelChoiceField(queryset=Team.objects.none(), empty_label=None, label="Team")
    role = forms.ChoiceField(choices=Role.choices, label="Role")

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = teams


class ReactivateForm(forms.Form):
    temporary_password = forms.CharField(
        label="New temporary password",
        widget=forms.PasswordInput(render_value=True),
        required=False,
        help_text="Optional. Give one if they have forgotten theirs.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_temporary_password(self) -> str:
        password: str = self.cleaned_data.get("temporary_password", "")
        if password:
            validate_password(password, self.user)
        return password


class TeamForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none(), empty_label=None, label="Service")
    name = forms.CharField(
        label="Team name",
        max_length=200,
        help_text="For example Step 3 North. You will manage the new team and can add its staff.",
        error_messages={"required": "Enter the team's name."},
    )

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ModelChoiceField)
        service_field.queryset = services


class StaffListFilterForm(forms.Form):
    """Filters for the staff list. Left as they are: every account switched on, in all the
    manager's teams."""

    SEARCH_MAX = 100

    q = forms.CharField(
        label="Name or username",
        help_text="Part of a first name, last name or username",
        max_length=SEARCH_MAX,
        required=False,
        error_messages={"max_length": f"Search for at most {SEARCH_MAX} characters of a name or username."},
    )
    team = ModelChoiceField(
        label="Team",
        queryset=Team.objects.none(),
        required=False,
        empty_label="All my teams",
        error_messages={"invalid_choice": "Choose one of your teams from the list."},
    )
    # The first choice is the default: a bound form without one shows it, and it is applied.
    accounts = forms.ChoiceField(
        label="Accounts",
        choices=[(ACCOUNTS_ON, "Switched on"), (ACCOUNTS_OFF, "Switched off"), (ALL_ACCOUNTS, "All")],
        required=False,
        error_messages={"invalid_choice": "Choose switched on, switched off or all."},
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "team", teams)

    def filters(self) -> StaffFilters:
        """The filters asked for; the default (accounts switched on, all the manager's teams)
        when any of them is wrong."""
        if not self.is_valid():
            return StaffFilters()
        d = self.cleaned_data
        return StaffFilters(
            search=d["q"],
            team_id=d["team"].pk if d["team"] else None,
            accounts=d["accounts"] or ACCOUNTS_ON,
        )
