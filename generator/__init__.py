"""schemagen: one YAML schema in, JMAP server, client models, CLI and reference docs out."""
