"""The toolkit every app's API builds on: the scoped viewset base, pagination, the shapes every
signed record shares, authentication, parsing, errors and the schema's view of them. The
endpoints themselves live with their area (`imaging_ops/<area>/api.py`, `<app>/api/`)."""
