"""Import kinds. Every module here is imported at start-up and registers its kinds."""
