# Replace a vocabulary graph by its checked staging copy (part of store/commit).
MOVE SILENT GRAPH {{staging}} TO {{graph}} ;
