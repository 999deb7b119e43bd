# Make a loaded vocabulary graph live and (re)describe it in the catalogue, in one transaction.
# No PREFIX: several of these are joined into one update (one transaction).
# {{move}} is empty when the graph was loaded in place (a new vocabulary), or a MOVE from staging.
{{move}}
DELETE { GRAPH {{catalogue}} { ?s ?p ?o } }
WHERE {
  GRAPH {{catalogue}} { ?s ?p ?o }
  FILTER(?s = {{dataset}} || STRSTARTS(STR(?s), CONCAT(STR({{dataset}}), "#")))
} ;
DELETE WHERE { GRAPH {{catalogue}} { {{root}} <http://purl.org/dc/terms/modified> ?modified } } ;
INSERT DATA { GRAPH {{catalogue}} { {{entry}} } }
