"""Notifications: the in-app notification centre, emails (immediate or a daily digest) and the outbox they
leave through. Other apps notify people only through ``notifications.services.notify`` and declare
their notification types with ``notifications.kinds.register``."""
