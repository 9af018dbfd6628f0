"""The CNN feature maps page: choosing a photo, the overview, the layer explorer, look deeper."""
