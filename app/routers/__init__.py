"""HTTP routers: thin layers that parse, authorise, call one service and shape output."""
