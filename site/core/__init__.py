"""What every app shares and no app owns. Imports nothing of ours (checked by import-linter)."""
