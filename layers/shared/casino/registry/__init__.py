"""Who and what the platform knows: admin keys, providers, operators, games, service status."""
