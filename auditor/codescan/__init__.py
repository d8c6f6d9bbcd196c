"""The ``code`` source: AWS access key ids in a source tree (``auditor scan-code``).

    from auditor.codescan.source import CodeSource
    inventory = CodeSource(Path("."), since="origin/main").collect()

``files`` decides what to read (what git tracks or would track; otherwise a walk honouring ``.gitignore``),
``keys`` finds key ids in a file's bytes, ``gitdiff`` lists the lines added since a ref. Secrets are never kept:
a key id is recorded with whether a secret-looking value sits near it, and nothing else.
"""
