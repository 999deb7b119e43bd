# One change of the log rewritten from the form of earlier versions (reified statements, N-Triples literals)
# to triple terms (changes/history.py `migrate`), in one transaction. {{history}}: the log's graph;
# {{old}}: the triples removed; {{new}}: the change's triple-term quads. N-Triples.
DELETE DATA { GRAPH {{history}} { {{old}} } } ;
INSERT DATA { GRAPH {{history}} { {{new}} } }
