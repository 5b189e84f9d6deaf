"""Import and export of the registry schema that Stalwart publishes (`GET /api/schema`, schema.json).

`importer` turns schema.json into a schema directory in our YAML language (written by `yaml_writer`);
`exporter` turns a schema directory back into the published `objects`/`schemas`/`fields`/`enums`.
`published` holds the conventions of the published format that both directions share.
"""
