"""The embedded default organization behind ``auditor demo``, and the mock-organization kit behind it.

The demo scans a mock AWS Organization built in moto, in-process. The same kit builds the test suite's
organization and the collection benchmark's, so there is one description language and one builder:

* ``description`` - the vocabulary: frozen dataclasses describing an organization, its IAM and Identity Center;
* ``story`` - the demo's organization, "acme", in that vocabulary (data only);
* ``builder`` - ``build_organization``: builds any description inside ``moto.mock_aws()`` with boto3 calls;
* ``identity_center_builder`` - the Identity Center part of a build, with what AWS does and moto does not;
* ``history`` - the documented edits of moto's backend objects that give a build ages and last use;
* ``built`` - what a build returns: organization, root, OU and account ids, a way into each member;
* ``simulated`` - what the demo injects after collection (root) or drops (moto's own errors), and says so;
* ``sandbox`` - the sealed environment moto runs in (no real credentials, no endpoint, repeatable ids);
* ``scan`` - ``demo_inventory()``: build the story, collect it, add the simulated facts.

Nothing is imported here: moto loads only for the commands and tests that build an organization.
"""
