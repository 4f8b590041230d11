"""One module per `imbalance-lab` sub-command: ``add_arguments`` and ``run``."""
