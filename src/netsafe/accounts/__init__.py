"""Forces, users and roles."""
