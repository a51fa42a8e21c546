"""This app's entries in the members-area menu (``membership.shell`` registry) and dashboard notices."""
