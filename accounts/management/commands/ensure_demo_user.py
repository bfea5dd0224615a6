from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_EMAIL = "demo@restore.local"
DEMO_PASSWORD = "demo-restore-2026"


class Command(BaseCommand):
    help = "Create a demo account when the database has no user yet, and print its login."

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.exists():
            if User.objects.filter(email=DEMO_EMAIL).exists():
                self.stdout.write(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
            return
        User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD)
        self.stdout.write(self.style.SUCCESS(f"Created demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}"))
