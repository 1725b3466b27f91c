"""Pagination: page numbers with a count for bounded lists, cursors for unbounded ones."""

from django.core.exceptions import ValidationError
from rest_framework import pagination
from rest_framework.exceptions import NotFound

from imaging_ops.web.paginator import KeysFirstPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    django_paginator_class = KeysFirstPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-pk"

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        # DRF checks a cursor's offset but not its position, which goes straight into a filter:
        # a position that is no value of the ordering field is an invalid cursor, not a 500.
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            name = self.ordering[0].lstrip("-")
            meta = self.model._meta
            field = meta.pk if name == "pk" else meta.get_field(name)
            try:
                field.to_python(cursor.position)
            except ValidationError:
                raise NotFound(self.invalid_cursor_message) from None
        return cursor
