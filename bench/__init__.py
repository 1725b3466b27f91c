"""`make bench`: scale data on PostgreSQL and the timings of pages and API lists beside a baseline.

Run as `python -m bench.run` (see `bench/run.py`). The generator, the package `bench/generator/`,
is extended by each issue: one module per group of tables, its data files in `data/`, added to
the ordered steps of `bench/generator/builder.py` (the package's docstring tells how), one seed.
"""
