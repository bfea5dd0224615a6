"""Issue 16, defect 3: the batch form marks what cannot run, from the live workers' capability
records (enhance.availability), as the photo page does: disabled, with the reason people are
told (never an operator command); and, for the plan, Pro models with their badge."""

import re

from django.urls import reverse

from tests.workers import publish_worker


def _batch(client) -> str:
    page = client.get(reverse("enhance:my_jobs")).content.decode()
    form = page[page.index("data-batch-form") :]
    return form[: form.index("</form>")]


def test_a_model_no_live_worker_runs_is_disabled_with_the_reason(owner_client, album, photo):
    batch = _batch(owner_client)  # the test's live worker runs RealSR and waifu2x only
    assert re.search(r'<option value="restore"\s+disabled\s*>\s*Restoration w/o scratches — unavailable', batch)
    assert re.search(r'<option value="realesrgan"[^>]*disabled', batch)
    note = re.search(r'data-unavailable="bopb">([^<]*)<', batch).group(1)
    assert note.strip() == "Old photo restoration: not available right now; please try again later"
    assert "manage.py" not in batch and "import_weights" not in batch


def test_once_a_worker_runs_it_the_model_is_offered_with_its_plan_badge(owner_client, album, photo, bopb_installed):
    publish_worker(("realsr", "waifu2x", "realesrgan", "bopb"), host="full-worker")
    batch = _batch(owner_client)
    assert "data-unavailable" not in batch
    assert re.search(r'<option value="restore"\s*>\s*Restoration w/o scratches — Pro</option>', batch)
    assert "Included in the Pro plan." in batch


def test_with_no_live_worker_nothing_is_offered_and_the_form_says_why(owner_client, album, photo, live_worker):
    live_worker.delete()
    batch = _batch(owner_client)
    assert not re.search(r'<option value="(sr|2dsr|restore|restore_scratches)"\s*(selected)?\s*>', batch)
    assert batch.count("not available right now") >= 3
