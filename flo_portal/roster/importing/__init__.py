"""The roster's CSV import, in steps: ``layout`` (columns, limits, the report), ``read``
(bytes to rows), ``validate`` (rows to clean values and problems), ``apply`` (write the
good rows) and ``export`` (the same layout out). ``flo_portal.roster.importer`` runs them
and is the module callers use.
"""
