"""Sports data (sports.md): feeds, canonical fixtures, point-by-point scores, feed status."""
