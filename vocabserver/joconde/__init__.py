"""What is specific to Joconde records: POP notices (and, next, record validation)."""
