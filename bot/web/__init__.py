"""The HTTP side: one ASGI application (starlette, served by uvicorn) for the webhook, health and metrics."""
