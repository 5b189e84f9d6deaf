"""The JMAP server (RFC 8620): an ASGI app over the descriptors, a SQLite store, bearer auth.

No web framework: the app routes five paths and speaks JSON, which plain ASGI does in a few
dozen lines, and every layer a framework adds would be paid on each request.
"""
