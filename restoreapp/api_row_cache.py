"""API rows remembered like the pages' rows (restoreapp/fragment_cache.py, both tiers).

A photo's or a job's JSON is a pure function of the object's loaded values, the language (a
job's stage and error are worded in it), the site's address (absolute URLs) and what the
serializer names in `representation_key()` (the plan, a running job's time left). DRF spends
most of a 50-row list building those dicts field by field; a row already drawn for the same
inputs is reused, and any change to the object gives it a new key. A list asks the shared tier
once for all its rows.
"""

from __future__ import annotations

from rest_framework import serializers

from restoreapp.fragment_cache import reuse_or_draw, row_key


class CachedListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        return self.child.represent_many(items)


class CachedRepresentation:
    """Mixin for a read-only ModelSerializer whose output depends only on the inputs above; its
    Meta names `list_serializer_class = CachedListSerializer` so that lists batch."""

    def representation_key(self, instance) -> tuple:
        return ()

    def _site(self) -> str:
        site = self.context.get("_row_cache_site")
        if site is None:
            request = self.context.get("request")
            site = self.context["_row_cache_site"] = request.build_absolute_uri("/") if request else ""
        return site

    def represent_many(self, instances: list) -> list[dict]:
        name = f"{type(self).__module__}.{type(self).__qualname__}"
        keys = [row_key(name, (self._site(), self.representation_key(item), item)) for item in instances]
        rows = reuse_or_draw(keys, instances, super().to_representation)
        # Copies: the caller owns the dicts it gets (DRF and views may add to them).
        return [dict(row) for row in rows]

    def to_representation(self, instance):
        return self.represent_many([instance])[0]
