"""Load benchmark (issue 12): the portal at a center's real size, under load, beside a bare
Flask + SQLAlchemy + Flask-Login page served by the same gunicorn in the same run.

    make bench-load                                  # PostgreSQL and SQLite, a few minutes
    BENCH_SCALE=0.1 make bench-load                  # a tenth of the data set
    BENCH_FULL=1 make bench-load                     # 3 runs of 8 s per page, 5-minute mix
    .venv/bin/python -m bench.load --db sqlite --only dashboard

It is a package (not bench/load.py) so that `make bench`, which runs every bench/*.py,
does not start it. See README.md, "Load benchmark".
"""
