"""The game hub: operators' sessions, users, accounts, contracts."""
