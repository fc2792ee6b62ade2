"""Images: where an image lives (env or repository), what each environment runs, daemonless push."""
