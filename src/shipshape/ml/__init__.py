"""Governed machine learning: the order-risk model, the exception-text classifier and the
desk's recommendations. Models are saved in safe formats (LightGBM's text model, skops with an
explicit trusted-types list), each with its hash checked on load and a model card."""
