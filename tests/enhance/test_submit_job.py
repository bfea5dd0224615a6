import pytest
from django_q.models import OrmQ

from billing import policy
from enhance import services
from enhance.models import Job


def test_submit_creates_a_queued_job_and_wakes_a_worker_after_commit(owner, photo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = services.submit(owner, photo, "waifu2x", {"style": "photo", "scale": 4, "noise": 2})
        assert OrmQ.objects.count() == 0  # nothing is sent before the row is committed
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.model, job.attempts) == ("queued", "waifu2x", 0)
    assert job.options == {"style": "photo", "scale": 4, "noise": 2}
    assert OrmQ.objects.count() == 1


def test_options_get_the_model_defaults(owner, photo):
    job = services.submit(owner, photo, "waifu2x", {})
    assert set(job.options) == {"style", "scale", "noise"}


@pytest.mark.parametrize(
    ("model", "options", "fragment"),
    [
        ("gan9000", {}, "Unknown model"),
        ("waifu2x", {"scale": 3}, "Invalid options"),
        ("waifu2x", {"noise": 7}, "Invalid options"),
        ("waifu2x", {"style": "oil"}, "Invalid options"),
        ("waifu2x", ["scale", 2], "Options must be"),
    ],
)
def test_bad_model_or_options_are_refused_before_anything_is_queued(owner, photo, model, options, fragment):
    with pytest.raises(services.SubmitRefused) as refused:
        services.submit(owner, photo, model, options)
    assert refused.value.status == 400
    assert fragment in refused.value.message
    assert not Job.objects.exists()
    assert not OrmQ.objects.exists()


def test_someone_elses_photo_is_not_found(other_user, photo):
    with pytest.raises(services.SubmitRefused) as refused:
        services.submit(other_user, photo, "realsr", {})
    assert refused.value.status == 404
    assert not Job.objects.exists()


def test_policy_refusal_is_402_and_leaves_no_row(owner, photo, monkeypatch):
    def refuse(user, model_id, *, width, height):
        raise policy.PolicyRefusal("Your monthly quota is used up.", "/billing/pricing/")

    monkeypatch.setattr(policy, "admit", refuse)
    with pytest.raises(services.SubmitRefused) as refused:
        services.submit(owner, photo, "realsr", {})
    assert (refused.value.status, refused.value.message) == (402, "Your monthly quota is used up.")
    assert refused.value.upgrade_url == "/billing/pricing/"
    assert not Job.objects.exists()


def test_policy_priority_is_stored_on_the_job(owner, photo, monkeypatch):
    monkeypatch.setattr(policy, "admit", lambda user, model_id, **size: policy.Admission(priority=10))
    assert services.submit(owner, photo, "realsr", {}).priority == 10


def test_batch_queues_one_job_per_photo(owner, album, photo):
    from tests import factories

    second = factories.make_photo(owner, album, title="Grandpa")
    outcome = services.submit_batch(owner, [photo, second], "realsr", {})
    assert [job.photo_id for job in outcome.jobs] == [photo.pk, second.pk]
    assert outcome.refused == []


def test_batch_with_bad_options_queues_nothing(owner, photo):
    with pytest.raises(services.SubmitRefused):
        services.submit_batch(owner, [photo], "waifu2x", {"scale": 8})
    assert not Job.objects.exists()


def test_batch_stops_at_the_quota(owner, album, photo, monkeypatch):
    from tests import factories

    photos = [photo, factories.make_photo(owner, album), factories.make_photo(owner, album)]
    admitted = []

    def admit(user, model_id, *, width, height):
        if len(admitted) == 1:
            raise policy.PolicyRefusal("quota used up")
        admitted.append(model_id)
        return policy.Admission()

    monkeypatch.setattr(policy, "admit", admit)
    outcome = services.submit_batch(owner, photos, "realsr", {})
    assert len(outcome.jobs) == 1
    assert [p.pk for p, _why in outcome.refused] == [photos[1].pk, photos[2].pk]
    assert Job.objects.count() == 1
