"""Pagination: page numbers with a count for bounded lists, cursors for unbounded ones."""

from rest_framework import pagination

from ..paginator import KeysFirstPaginator


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
