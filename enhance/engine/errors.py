"""Errors the engine raises. Bad images raise plain ValueError; bad options raise OptionError,
a ValueError that also names the option."""


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
    """A bad option value or name; `option` is the option to blame (None: the options as a whole).
    A ValueError, so callers that only know the engine's "bad options raise ValueError" still work."""

    def __init__(self, message: str, option: str | None = None):
        self.option = option
        super().__init__(message)
