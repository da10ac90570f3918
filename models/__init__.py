"""Model registry and adapters: the only code that imports mediapipe, faster-whisper or onnxruntime."""
