"""Named reads that pages and APIs show: a concept's details, bounded descriptions."""
