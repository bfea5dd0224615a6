"""Values a request looks up once although several parts of the page show them (the plan, the
sidebar's albums): the first asker computes, the others reuse. Kept on the request object, so
nothing outlives the request."""


def once_per_request(request, name: str, compute):
    memo = request.__dict__.setdefault("_restore_memo", {})
    if name not in memo:
        memo[name] = compute()
    return memo[name]


def known_for_request(request, name: str, value) -> None:
    """A value the page has just computed anyway, for later askers."""
    request.__dict__.setdefault("_restore_memo", {})[name] = value
