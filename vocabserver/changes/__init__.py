"""What changes the store: loading and import formats, normalisation and safe repairs, the integrity and quality checks, the quality report."""
