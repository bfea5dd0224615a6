"""django-q2 starts each worker process with post_spawn: that process publishes its record."""

import logging

from django.dispatch import receiver
from django_q.signals import post_spawn

log = logging.getLogger(__name__)


@receiver(post_spawn, dispatch_uid="capabilities.publish_at_spawn")
def publish_at_spawn(sender, proc_name, **kwargs):
    from enhance.capabilities.this_worker import start_publishing

    try:
        start_publishing()
    except Exception:  # the first job publishes again (enhance.tasks); never stop the worker here
        log.exception("could not publish the capability record of %s", proc_name)
