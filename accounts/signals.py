"""A new password ends every other way in: the person's API tokens and other sessions.

Sessions need nothing from us: Django stores a hash of the password in each session and
drops a session whose hash no longer matches (the session that changed the password is
updated by allauth). API tokens carry no such hash, so they are deleted here.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver
from knox.models import get_token_model

from accounts.models import User


@receiver(post_save, sender=User, dispatch_uid="accounts.revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(sender, instance, created, **kwargs):
    # Django sets `_password` in set_password() and clears it once the save is done; a hash
    # upgrade at login (check_password's setter) clears it before saving, so only a real
    # change of password (web, API, reset, admin, changepassword) lands here.
    if created or getattr(instance, "_password", None) is None:
        return
    get_token_model().objects.filter(user=instance).delete()
