"""LeakGAN: long text generation via adversarial training with leaked information."""
__version__ = "0.1.0"
