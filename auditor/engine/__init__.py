"""The pure stages after collection: the inventory and the rules in, the findings document out.

``evaluate`` runs the rules (``config`` and ``patterns`` say which, how severe, what is suppressed), ``document``
assembles the findings document, ``pipeline`` wires the two with readiness and the baseline; ``baseline``,
``merge`` and ``gate`` compare, combine and judge documents; ``catalog`` renders the rules as documentation.
No module here calls AWS or reads the clock.
"""
