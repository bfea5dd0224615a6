"""Closed value sets the API declares as enums. Model ids come from the engine's catalogue
(torch-free). The choices are filled in when a serializer binds the field, not at import, so a
model registered at run time (tests, plug-ins) is accepted."""

from django.utils.translation import gettext as _
from rest_framework import serializers

DEVICE_TYPES = ("cpu", "cuda")


def model_ids() -> list[str]:
    from enhance.engine.catalog import model_ids as catalogued

    return list(catalogued())


def precisions() -> list[str]:
    from enhance.engine.catalog.spec import PRECISIONS

    return list(PRECISIONS)


class _LateChoiceField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=(), **kwargs)

    def late_choices(self) -> list[str]:
        raise NotImplementedError

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.choices = self.late_choices()


class ModelIdField(_LateChoiceField):
    """A model id from the registry; an unknown one is refused with the services' message."""

    def late_choices(self):
        return model_ids()

    def to_internal_value(self, data):
        if not isinstance(data, str) or data not in self.choices:
            known = ", ".join(sorted(self.choices))
            raise serializers.ValidationError(
                _("Unknown model “%(model)s”; choose one of: %(known)s.") % {"model": data, "known": known},
                code="invalid_choice",
            )
        return data


class DeviceTypeField(_LateChoiceField):
    """`cpu` or `cuda` (a stored `cuda:1` is shown as `cuda`); empty until a worker has run the job."""

    def late_choices(self):
        return ["", *DEVICE_TYPES]

    def to_representation(self, value):
        return str(value or "").split(":", 1)[0]


class PrecisionField(_LateChoiceField):
    """The precision the job ran in; empty until a worker has run it."""

    def late_choices(self):
        return ["", *precisions()]
