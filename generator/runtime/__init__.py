"""Hand-written runtime that generated code imports.

This package is copied verbatim into every generated package (as `<package>._runtime`), so the
generated code stands alone; the generator imports the same modules so that, for example,
durations parse the same way at generation time and at run time.
"""
