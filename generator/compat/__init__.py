"""Breaking-change detection between two versions of a schema (`python -m generator diff`).

sides.py loads each side (a schema directory, a git revision, a published schema.json) into the IR;
compare.py walks the two IRs and names each difference by its kind; rules.py says, per kind, how
severe it is and whom it breaks; waivers.py applies the reasoned `compat` waivers of the new side;
report.py prints the result; changelog.py turns a history of versions into the `changes` section.
The classification table and its reasoning are in docs/compat.md.
"""
