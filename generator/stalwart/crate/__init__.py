"""Stalwart's Rust registry crate as an import source: items.py reads its files as the regular
generated code they are, parse.py turns them into facts (facts.py), overlay.py adds those facts to
what the importer converts from schema.json."""
