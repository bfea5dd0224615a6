"""Pagination for every API list that grows (albums, photos, jobs).

Strict about its parameters: a malformed `page` or `page_size` is a 400 that says so,
rather than a silently different page.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import pagination, serializers


class _PageQuery(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, required=False)
    page_size = serializers.IntegerField(min_value=1, required=False)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
    page_size_query_description = _("Results per page (at most 200).")

    def paginate_queryset(self, queryset, request, view=None):
        query = _PageQuery(data={k: request.query_params[k] for k in ("page", "page_size")
                                 if k in request.query_params})
        query.is_valid(raise_exception=True)
        return super().paginate_queryset(queryset, request, view)
