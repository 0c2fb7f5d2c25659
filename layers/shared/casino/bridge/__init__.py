"""The account bridge: the casino wallet behind the operator-wallet API (operator-wallet.md)."""
