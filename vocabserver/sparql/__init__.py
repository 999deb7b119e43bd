"""The SPARQL service: refusals (guard), the light evaluator, the worker pool, result serialisation."""
