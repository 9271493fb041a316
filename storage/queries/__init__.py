"""Queries per table: session first, keyword-only arguments, scope as one filter. They flush;
the request's transaction is committed at the HTTP edge."""
