"""tapegrad.utils: seeing what a GradientTape recorded (Graphviz DOT text, or a picture)."""
