"""The unified inbox: channels, tickets and their messages."""
