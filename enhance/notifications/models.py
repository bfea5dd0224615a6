from django.conf import settings
from django.db import models


class Notification(models.Model):
    """An in-app message to one user (today: a job finished). Unread until the list is opened."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    job = models.ForeignKey("enhance.Job", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # `key` and `params` (enhance.stored_text) are worded when the notification is shown, in the
    # reader's language; `message` is the text in the site's language for operators, and what
    # rows from before keys existed show.
    key = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "enhance"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            # The list (newest 100) and the bell's latest id: read in index order.
            models.Index(fields=["user", "-created_at", "-id"], name="notification_recent"),
        ]

    def __str__(self):
        return self.message

    @property
    def text(self) -> str:
        """The notification in the active language."""
        if not self.key:
            return self.message
        from enhance.stored_text import render

        return render(self.key, self.params)
