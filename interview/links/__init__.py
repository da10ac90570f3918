"""Links across candidates: one operative behind many names shows as the same voice, the same
scripted answers, the same room or the same camera under different names (faces: interview.records.face_registry). `record.record_links`
runs once at the end of every session; `view.links_view` is what the CLI and the app show."""
