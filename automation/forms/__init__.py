"""Forms of the automation admin pages: triggers and sequences."""
