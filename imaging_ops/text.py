"""Text people type: the characters a name may not hold.

Unicode's bidirectional controls (embeddings, overrides, isolates and the invisible direction
marks) are invisible, and one of them in a name reverses the text displayed around it: "Jane
Doe" followed by a right-to-left override can make the rest of a row, or a signature's
manifestation, read backwards. Names and identifiers refuse them; free text (reasons,
comments) keeps what the person typed and is shown isolated in `<bdi>`, so it cannot turn the
text around it.
"""

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

BIDI_CONTROLS = frozenset(
    "\u061c"  # Arabic letter mark
    "\u200e\u200f"  # left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pop, overrides
    "\u2066\u2067\u2068\u2069"  # isolates and pop
)
BIDI_REFUSED = (
    "Remove the invisible text-direction characters (such as a right-to-left override): "
    "they make the text around a name read backwards."
)


def has_bidi_controls(value: str) -> bool:
    return any(char in BIDI_CONTROLS for char in value or "")


@deconstructible
class NoBidiControls:
    """A field validator: the value may not hold bidirectional control characters."""

    def __call__(self, value) -> None:
        if isinstance(value, str) and has_bidi_controls(value):
            raise ValidationError(BIDI_REFUSED, code="bidi_controls")

    def __eq__(self, other) -> bool:
        return isinstance(other, NoBidiControls)


no_bidi_controls = NoBidiControls()
