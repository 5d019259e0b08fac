"""What every feature shares: extensions, ORM base and types, ids, clock, display, CSV safety,
uploads, audience, TLP, the workflow engine, forms, errors and the unit of work.

The core never imports a feature (tests/core/test_layers.py enforces it).
"""
