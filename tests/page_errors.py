"""What a page shows a person about a form they submitted: the messages under each field."""

import re
from html import unescape


def shown_on(response, field: str) -> list[str]:
    """The messages the page shows under a field (`field` is its id without "id_", with the
    form's prefix if it has one, e.g. "closure-date"), as a person reads them."""
    block = re.search(
        rf'id="id_{re.escape(field)}_error">((?:<div>.*?</div>)*)</div>',
        response.content.decode(),
        re.S,
    )
    if block is None:
        return []
    return [unescape(m) for m in re.findall(r"<div>(.*?)</div>", block.group(1), re.S)]
