"""The shared kit: plumbing every app uses, written once (one module per concern)."""
