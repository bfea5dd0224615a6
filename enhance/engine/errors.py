"""Errors the engine raises. Bad options and bad images raise plain ValueError."""


class EngineError(Exception):
    """Base class for engine failures that are not the caller's input."""


class WeightsMissingError(EngineError):
    """A model's weights are not installed; `command` installs them."""

    def __init__(self, model_id: str, command: str, detail: str = ""):
        self.model_id = model_id
        self.command = command
        message = f"weights for '{model_id}' are not installed; run: {command}"
        if detail:
            message = f"{message} ({detail})"
        super().__init__(message)


class WeightsFormatError(EngineError):
    """A weight file or archive does not have the expected layout; nothing was written."""


class Cancelled(EngineError):
    """The caller asked to stop; raised between tiles or stages."""


class OptionError(ValueError):
    """A bad model option. `option` names it (None for the options as a whole); `message` is an
    English message id with %(name)s placeholders and `params` fills them, so the Django side
    can show it in the reader's language."""

    def __init__(self, option: str | None, message: str, params: dict | None = None, *, model_id: str = ""):
        self.option = option
        self.message = message
        self.params = dict(params or {})
        self.model_id = model_id
        text = message % self.params if self.params else message
        super().__init__(f"{model_id}: {text}" if model_id else text)


class DeviceMemoryError(EngineError):
    """A job that cannot fit the compute device's memory even in the smallest pieces it can be
    split into. `message` is an English message id from the catalogue with %(name)s placeholders
    that `params` fills, so the Django side can show it in the reader's language."""

    def __init__(self, message: str, params: dict | None = None):
        self.message = message
        self.params = dict(params or {})
        super().__init__(message % self.params if self.params else message)
