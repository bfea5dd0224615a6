"""Schedule the reaper in django-q2 (idempotent: re-running finds the row by name)."""

from django.db import migrations

REAPER_NAME = "enhance: reap stale jobs"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=REAPER_NAME,
        defaults={
            "func": "enhance.tasks.reap_stale_jobs",
            "schedule_type": "I",  # every N minutes; the cluster checks schedules every ~30 s
            "minutes": 1,
            "repeats": -1,
        },
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=REAPER_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("enhance", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
