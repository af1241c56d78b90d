"""The library's chat bots on Telegram and WhatsApp: `conversation` (what they understand,
through the same services as the API) and `endpoints` (the verified webhooks)."""
