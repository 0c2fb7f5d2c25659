"""Password login for the players of our own casino brands (player-accounts.md): credentials,
their policy (``policy``, ``passwords``: pure) and their store (``store``), and the logic that
joins them to the wallet and the hub (``service``)."""
