"""The image CNNs: ports of the pretrained ImageNet models, geometry, traces, explanations."""
