"""A result file lives exactly as long as its Job row (deleting a photo deletes its jobs)."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from enhance.models import Job
from enhance.worker.result_store import delete_file


@receiver(post_delete, sender=Job, dispatch_uid="enhance.delete_result_file")
def delete_result_file(sender, instance: Job, **kwargs):
    name = instance.result.name if instance.result else ""
    if name:
        # After the commit: a rolled-back delete must still find its file.
        transaction.on_commit(lambda: delete_file(name))
