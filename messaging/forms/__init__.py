"""Forms of the comms admin pages, one module per area."""
