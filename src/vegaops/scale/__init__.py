"""Capacity: desired counts, Application Auto Scaling bounds and suspension, and the saved counts that
``vegaops scale --all 0`` keeps in AWS (SSM) so anyone can ``--restore`` them."""
