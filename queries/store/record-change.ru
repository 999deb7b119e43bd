# The record of a change written by another operation of the same transaction (a load: store/commit).
# No PREFIX: joined to the load's operations in one update. {{history}}: the log's graph; {{record}}: N-Triples.
INSERT DATA { GRAPH {{history}} { {{record}} } }
