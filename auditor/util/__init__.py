"""Small helpers every stage shares, none of them about AWS: safe file writes, the tool's JSON files, secret
redaction for logs, text decoded by its byte order mark, UTC timestamps, ISO 8601 durations, and running
untrusted code with a time limit."""
