"""Small helpers every stage shares, none of them about AWS: safe file writes, the tool's JSON files, secret
redaction for logs, text files decoded by their byte order mark, names made safe for a spreadsheet, markdown or a
terminal, UTC timestamps, ISO 8601 durations, files read from a git commit, and running untrusted code with a
time limit."""
