"""Removing the files behind FileFields when their rows go away.

Django never deletes a FileField's file by itself. Files are removed only once the
transaction that deleted the row commits, so a rolled-back delete keeps its files.
Other apps connect `delete_files_on_delete` for their own models, e.g.
`post_delete.connect(delete_files_on_delete, sender=Job)`.
"""

import logging

from django.db import models, transaction

logger = logging.getLogger(__name__)


def file_names_of(instance: models.Model) -> list[tuple[object, str]]:
    """(storage, name) of every non-empty FileField on the instance."""
    found = []
    for model_field in instance._meta.concrete_fields:
        if isinstance(model_field, models.FileField):
            fieldfile = getattr(instance, model_field.attname)
            if fieldfile and fieldfile.name:
                found.append((fieldfile.storage, fieldfile.name))
    return found


def derived_file_names_of(instance: models.Model) -> list[tuple[object, str]]:
    """(storage, name) of files made from the instance's own files (renditions): a model lists
    them in `derived_files()`; they may or may not exist."""
    derived = getattr(instance, "derived_files", None)
    return list(derived()) if derived else []


def delete_files_of(instances) -> None:
    """Delete, on commit, the files (and derived files) of one instance or of every instance in
    an iterable/queryset."""
    if isinstance(instances, models.Model):
        instances = [instances]
    targets = [
        target for instance in instances for target in file_names_of(instance) + derived_file_names_of(instance)
    ]
    if targets:
        transaction.on_commit(lambda: _delete_now(targets))


def _delete_now(targets) -> None:
    for storage, name in targets:
        try:
            storage.delete(name)
        except Exception:  # a missing or unreachable file must not break the request that deleted the row
            logger.exception("could not delete file %s", name)


def delete_files_on_delete(sender, instance, **kwargs) -> None:
    """A post_delete receiver: connect it for any model with FileFields."""
    delete_files_of(instance)
