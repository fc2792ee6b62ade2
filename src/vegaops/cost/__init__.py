"""What an environment costs: the Fargate arithmetic, unit prices (Price List API or the shipped table), the
estate's shared resources, and the report of ``vegaops cost``."""
