"""The store behind one seam: the embedded pyoxigraph store (`embedded.VocabStore`), the catalogue of vocabularies, the named queries of `queries/`, statistics."""
