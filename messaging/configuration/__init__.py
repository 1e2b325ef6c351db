"""Every write of a tenant's comms configuration, one module per admin area."""
