"""Scheduled jobs: one scheduler process, database locks, one JobRun row per run."""
