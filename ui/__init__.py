"""The Gradio app: review a recording, assist a live call, sign off a session.

The UI only arranges what `interview` computes: analysis, live sessions, reports and the session
store all live there, so the CLI and the app never disagree.
"""
