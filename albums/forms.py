from django import forms
from django.utils.translation import gettext_lazy as _

from albums.models import Album, Photo


class AlbumForm(forms.ModelForm):
    class Meta:
        model = Album
        fields = ["name"]
        labels = {"name": _("Album name")}

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.fields["name"].widget.attrs.update({"autofocus": True, "placeholder": _("e.g. Grandparents 1968")})

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Give the album a name."))
        others = Album.objects.filter(owner=self.owner, name__iexact=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("You already have an album with this name."))
        return name

    def save(self, commit=True):
        self.instance.owner = self.owner
        return super().save(commit=commit)


class PhotoForm(forms.ModelForm):
    """Rename a photo and move it to another album (or to none: "All photos" only)."""

    class Meta:
        model = Photo
        fields = ["title", "album"]
        labels = {"title": _("Title"), "album": _("Album")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        album_field = self.fields["album"]
        album_field.queryset = Album.objects.filter(owner=self.instance.owner)
        album_field.empty_label = _("No album (All photos only)")
        album_field.error_messages["invalid_choice"] = _("Choose one of your albums.")

    def clean_title(self):
        return " ".join(self.cleaned_data["title"].split())
