"""Reads of acceptance notes shared by the equipment page and the API."""

from django.db.models import Prefetch

from equipment.models import AcceptanceNote, AcceptanceNoteVersion
from imaging_ops.models import Signature


def acceptance_notes():
    """Notes with their versions, authors and signatures (with their sites, for the
    manifestation) in a constant number of queries, however many notes and signatures."""
    versions = (
        AcceptanceNoteVersion.objects.select_related("created_by")
        .prefetch_related(Prefetch("signatures", queryset=Signature.objects.select_related("site")))
        .order_by("number")
    )
    return AcceptanceNote.objects.select_related("equipment__site", "voided_by").prefetch_related(
        Prefetch("versions", queryset=versions)
    )
