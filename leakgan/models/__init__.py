"""Models: the oracle, the registered generators (see `registry`) and LeakGAN's discriminator."""
