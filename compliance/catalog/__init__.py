"""The regulatory catalog: the procedures an imaging department is inspected against, shipped as
TOML data files under `data/` (one per source document) with their limits, recurrences, failure
behaviour and citations. `shipped.py` reads them; compliance.services.catalog loads them into
the organisation library. See docs/catalog.md.
"""
