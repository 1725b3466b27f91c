"""`make bench`: scale data on PostgreSQL and the timings of pages and API lists beside a baseline.

Run as `python -m bench.run` (see `bench/run.py`). The generator (`bench/generator.py`) is
extended by each issue: one function per table group, sizes in one dict, one seed.
"""
