"""This app's entries in the members-area menu (``membership.shell`` registry) and dashboard notices."""

from membership.shell import register_menu_entry

register_menu_entry("学会・セミナー一覧", "renewal:seminars", order=30, active_for=["renewal:registration_new"])
register_menu_entry("学会・セミナー参加一覧", "renewal:participations", order=35)
