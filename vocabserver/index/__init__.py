"""The in-memory label index that answers autocompletion, search, lookup and the alphabetical index; label folding."""
