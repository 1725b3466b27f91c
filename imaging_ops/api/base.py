"""The base every viewset builds on: scoping written once, so viewsets only declare."""

from rest_framework import mixins, viewsets

from imaging_ops.access.scoping import scope


class ScopedViewSetMixin:
    """Limits the viewset's queryset to the requester's sites: other sites' rows answer 404."""

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and update; nothing regulated is ever deleted through the API."""
