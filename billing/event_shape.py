"""What a signed Stripe event must look like before anything is stored for it.

The signature proves who sent the bytes, not that they have the shape our code
expects: Stripe's API versions change shapes, and a test event can be anything.
"""

# Stripe ids are short ("evt_" + 24 characters); our columns hold 255.
MAX_ID_LENGTH = 255
# Unix seconds: Stripe's times are 10-digit numbers; anything past year 9999 is not a time.
MAX_TIMESTAMP = 253_402_300_799


class InvalidEventShape(ValueError):
    """A field of a signed event has a shape our code cannot apply."""


def is_event(payload) -> bool:
    """Whether the body is a Stripe event at all (else the answer is 400)."""
    return (
        isinstance(payload, dict)
        and payload.get("object", "event") == "event"
        and isinstance(payload.get("type"), str)
        and isinstance(payload.get("data"), dict)
        and isinstance(payload["data"].get("object"), dict)
    )


def envelope_problem(event: dict) -> str:
    """Why an event cannot be stored and de-duplicated ("" when it can)."""
    event_id = event.get("id")
    if not isinstance(event_id, str) or not event_id:
        return "the event has no id"
    if len(event_id) > MAX_ID_LENGTH:
        return f"the event id is {len(event_id)} characters long"
    if len(event["type"]) > 100:
        return "the event type is too long"
    created = event.get("created")
    if not isinstance(created, int) or isinstance(created, bool) or not 0 <= created <= MAX_TIMESTAMP:
        return f"the event time {created!r} is not a Unix time"
    return ""
