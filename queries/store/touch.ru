# The store's commit stamp moved by a change of a graph that is no vocabulary (joined after
# store/apply-change, in its transaction; no PREFIX). {{catalogue}}, {{root}}; {{now}}: the stamp.
DELETE WHERE { GRAPH {{catalogue}} { {{root}} <http://purl.org/dc/terms/modified> ?modified } } ;
INSERT DATA { GRAPH {{catalogue}} { {{root}} <http://purl.org/dc/terms/modified> {{now}} } }
