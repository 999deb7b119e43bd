# Remove a vocabulary: its graph and its catalogue description, in one transaction.
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
DROP SILENT GRAPH {{graph}} ;
DELETE { GRAPH {{catalogue}} { ?s ?p ?o } }
WHERE {
  GRAPH {{catalogue}} { ?s ?p ?o }
  FILTER(?s = {{dataset}} || STRSTARTS(STR(?s), CONCAT(STR({{dataset}}), "#")))
} ;
DELETE DATA { GRAPH {{catalogue}} { {{root}} void:subset {{dataset}} . {{root}} dcat:dataset {{dataset}} } } ;
DELETE WHERE { GRAPH {{catalogue}} { {{root}} dct:modified ?modified } } ;
INSERT DATA { GRAPH {{catalogue}} { {{root}} dct:modified {{now}} } }
