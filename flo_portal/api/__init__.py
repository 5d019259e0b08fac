"""JSON API v1: personal access tokens, the /api/v1 endpoints and their OpenAPI document.

The API only translates HTTP to calls of the feature services and policy functions;
it holds no access rule of its own.
"""
