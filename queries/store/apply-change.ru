# One change of one graph and its record in the change log, in one transaction (changes/writer.py).
# No PREFIX: a vocabulary's catalogue update (store/commit) is joined after it, in the same transaction.
# {{graph}}: the graph changed; {{removed}}, {{added}}: N-Triples; {{history}}: the log's graph;
# {{record}}: the change's record (changes/history.py), N-Triples.
DELETE DATA { GRAPH {{graph}} { {{removed}} } } ;
INSERT DATA { GRAPH {{graph}} { {{added}} } } ;
INSERT DATA { GRAPH {{history}} { {{record}} } }
