"""Serving: sockets (own or socket-activated), the HTTP protocol with hijack, idle exit."""
