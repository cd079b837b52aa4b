"""Full-text search over items (issue 14, docs/search.md): the index (``index``) and the query (``query``)."""
