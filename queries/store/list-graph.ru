# A remote store: a graph that is no vocabulary, written by SPARQL Update or the Graph Store Protocol, listed in
# the catalogue (VocabStore.other_graphs), in the transaction that writes it (joined: no PREFIX).
# {{catalogue}}, {{root}}, {{listed}}: the listing predicate, {{graph}}: the graph.
INSERT DATA { GRAPH {{catalogue}} { {{root}} {{listed}} {{graph}} } }
