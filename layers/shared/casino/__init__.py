"""The casino platform's shared code: the domain, the stores and the HTTP plumbing.

Layout (handler -> logic -> store):
- ``money``, ``ids``, ``clock``, ``errors``: pure building blocks.
- ``api``: turns API Gateway events into domain calls and domain errors into HTTP answers.
- ``<context>/`` (``wallet``, ``registry``, ``provider``, ``ops``): the domain in pure Python
  and, beside it, the store that owns every DynamoDB key and condition.
"""
