"""Running the portal in production: JSON logs, the SIEM copy of the audit trail,
Prometheus metrics, the readiness check and backups."""
