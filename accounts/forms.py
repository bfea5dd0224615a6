from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class SettingsForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    class Meta:
        model = User
        fields = ["language", "email_on_job_done", "keep_gps"]
        labels = {
            "email_on_job_done": _("Email me when a job finishes"),
            "keep_gps": _("Keep the GPS location in photos I upload"),
        }
        help_texts = {
            "keep_gps": _("Off: the location is removed from every photo you upload."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.language:
            # Never chosen yet: show the language the page is in (browser or switcher), not the first choice.
            self.initial["language"] = translation.get_language()


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my photos, albums and results are deleted for good."),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password
