"""The CrossGuard policy pack (run by the Pulumi CLI, never imported)."""
