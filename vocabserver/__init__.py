"""vocabserver: publishes and maintains the Joconde vocabularies as SKOS."""

__version__ = "0.1.0"
