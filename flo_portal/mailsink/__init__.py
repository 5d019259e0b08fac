"""The development mail sink: with ``MAIL_BACKEND=sink`` (``make run``) the outbox is
"delivered" to nobody and administrators read every message at /dev/mail."""
