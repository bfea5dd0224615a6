from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from accounts.forms import DeleteAccountForm, SettingsForm


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    form = SettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            user = form.save()
            translation.activate(user.language)
            messages.success(request, _("Settings saved."))
            response = redirect("settings")
            _remember_language(response, user.language)
            return response
        return render(request, "accounts/settings.html", {"form": form}, status=400)
    return render(request, "accounts/settings.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/delete_account.html", {"form": form}, status=400)
        user = request.user
        with transaction.atomic():
            # Cascades to albums, photos and other apps' rows; their files go on commit
            # through the post_delete receivers (albums.files).
            user.delete()
        logout(request)
        messages.success(request, _("Your account and all your photos have been deleted."))
        return redirect("account_login")
    return render(request, "accounts/delete_account.html", {"form": form})


@require_POST
def switch_language(request):
    """The top bar's language switcher; a signed-in user's choice is saved on the account too."""
    response = set_language(request)
    code = request.POST.get("language", "")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        request.user.language = code
        request.user.save(update_fields=["language"])
    return response


def _remember_language(response, code):
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, samesite="Lax")
