"""Content-Security-Policy on every response (Django 5.2 has none built in).

The other protective headers come from Django itself: SecurityMiddleware sends
X-Content-Type-Options (SECURE_CONTENT_TYPE_NOSNIFF), Referrer-Policy
(SECURE_REFERRER_POLICY) and, over HTTPS, HSTS; XFrameOptionsMiddleware sends
X-Frame-Options: DENY for browsers that predate frame-ancestors.
"""

from __future__ import annotations

# No inline scripts anywhere: htmx and our code load as files, htmx reads its config from a
# <meta> tag, and nothing uses hx-on or javascript: URLs. Styles do allow 'unsafe-inline':
# server-rendered SVG charts and bar widths carry style attributes (and htmx injects its
# indicator <style>); an injected style cannot run code, so scripts are what we lock down.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Adds the policy unless a view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
