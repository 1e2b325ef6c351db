"""Every write of the follow-ups app, one module per sub-domain; each public function is one
transaction (or, for the sweeps, one per batch)."""
