"""The casino wallet: one ledger of real and bonus money for both faces of the platform."""
