"""Core in the isolation suite: nothing yet. Core has no routes of its own; a model it adds (an outbox, say) needs its
rules here: ``NOT_LISTED`` (why nobody reads it directly) and a ``Changes`` saying who may change its rows
(``tests/isolation/plugins.py`` lists what this module may declare)."""
