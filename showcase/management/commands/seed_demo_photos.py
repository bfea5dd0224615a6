"""python manage.py seed_demo_photos [--wait SECONDS]: give the demo account (ensure_demo_user)
its sample photos and queue real jobs on them for the worker cluster (showcase.demo). With
--wait it keeps trying until every sample has its job or the time is up: `make run` starts it
beside the cluster, whose workers publish what they run a moment after they start."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts.management.commands.ensure_demo_user import DEMO_EMAIL
from showcase import demo

POLL_SECONDS = 2.0


class Command(BaseCommand):
    help = "Add the sample photos to the demo account and queue real jobs on them."

    def add_arguments(self, parser):
        parser.add_argument("--email", default=DEMO_EMAIL, help="the account (default: the demo login)")
        parser.add_argument("--wait", type=float, default=0, help="seconds to wait for a worker that runs each model")

    def handle(self, *args, **opts):
        user = get_user_model().objects.filter(email=opts["email"]).first()
        if user is None:
            self.stdout.write(f"No account {opts['email']}: no sample photos to add.")
            return
        photos = demo.seed_photos(user)
        self.stdout.write(f"{len(photos)} sample photos in “{demo.ALBUM_NAME}” for {user.email}.")
        deadline = time.monotonic() + opts["wait"]
        while True:
            queued, waiting = demo.submit_ready(user)
            for job in queued:
                self.stdout.write(f"Queued sample job {job.pk}: {job.model} on “{job.photo.title}”.")
            self.stdout.flush()  # make run's console shows it now, not when this exits
            if not waiting or time.monotonic() >= deadline:
                break
            time.sleep(POLL_SECONDS)
        for sample, why in waiting:
            self.stdout.write(f"Not queued for “{sample.slug}”: {why}")
