from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("an email address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person with an account; the email address is the login."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    email_on_job_done = models.BooleanField(_("email me when a job finishes"), default=False)
    keep_gps = models.BooleanField(
        _("keep GPS location in my photos"),
        default=False,
        help_text=_("Off: the location is removed from every photo you upload."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    def __str__(self):
        return self.email


class DataVersion(models.Model):
    """A number that changes whenever a row a person's pages show is written, by any path (the
    ORM, queryset updates, raw SQL, a worker, the admin): database triggers bump it
    (accounts/data_version.py). Remembered pages and API lists are keyed by it."""

    # No foreign key: rows are bumped while a person's rows are being deleted, before and after
    # the person; a leftover row is harmless and keeps counting if the id comes back.
    user_id = models.BigIntegerField(primary_key=True)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("data version")

    def __str__(self):
        return f"{self.user_id}: {self.version}"
