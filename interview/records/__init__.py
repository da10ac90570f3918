"""What an analysis leaves behind and who may see it: the session store (`store`), its tamper-evident
audit chain (`audit`), retention and purge (`retention`), and the registry of face embeddings that
finds a repeat face under another name (`face_registry`)."""
