"""Subscriptions: what a user follows (topics, product types, regions, disciplines,
agencies) and telling followers when a matching product or briefing is released."""
