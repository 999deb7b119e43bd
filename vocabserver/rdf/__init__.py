"""RDF plumbing shared by every part: the namespaces table, IRI checks, formats and their media types, JSON-LD, licence names."""
