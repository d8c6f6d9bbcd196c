"""What IAM policies grant, read from the inventory's policy documents: the one definition of "privileged" that
the rules and the readiness stage share. Pure: no AWS call."""
