"""Tools that look inside backpropagation, built on the core's public names.

``explain`` (the chain rule path by path), ``detect_anomaly`` (the first
NaN, where it came from), ``draw_graph``/``draw_model`` (Graphviz pictures)
and ``stepper`` (the backward pass as a playable picture).
"""
