"""The provider callback protocol (provider-callbacks.md): envelope, signing, error catalogue."""
