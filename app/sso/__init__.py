"""Sign-on with the municipality's own identity provider: OpenID Connect and SAML 2.0."""
