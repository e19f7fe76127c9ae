"""Computer-vision helpers the later chapters reuse (models, convolution utilities)."""
