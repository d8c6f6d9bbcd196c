"""What IAM policies grant, read from the inventory's policy documents: the one definition of "privileged" that
the rules and the readiness stage share (``privilege.py``), and the list of real IAM actions that patterns are
matched against (``actions.py``). Pure: no AWS call."""
