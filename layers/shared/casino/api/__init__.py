"""HTTP plumbing shared by the functions: one place maps domain errors to HTTP answers."""
