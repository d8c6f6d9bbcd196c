"""What IAM policies grant, read from the inventory's policy documents: the one definition of "privileged" that
the rules and the readiness stage share (``privilege.py``), and what a set of policies allows action by action with
IAM's evaluation logic (``evaluator.py``, over the action database of ``actions.py``). Pure: no AWS call."""
