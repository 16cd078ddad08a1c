"""Background jobs of the reports app (registered with `common.jobs`)."""
