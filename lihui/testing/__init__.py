"""Helpers for the tests, never imported by the product: import from the modules.

- cast: the fixed permission cast (make_cast);
- factories: people, departments and series for tests;
- parallel: truly parallel requests;
- browser: what every browser test shares;
- permissions: the vocabulary of the web and API permission matrices.
"""
