"""Reads of the follow-ups app that views, tasks and other apps share. Tenant first, keyword-only;
a selector never writes."""
