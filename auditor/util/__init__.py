"""Small helpers every stage shares, none of them about AWS: safe file writes, the tool's JSON files, secret
redaction for logs, UTC timestamps, ISO 8601 durations, files read from a git commit, and running untrusted
code with a time limit."""
