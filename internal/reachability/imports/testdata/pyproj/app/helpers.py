import attr

try:
    import ujson as json
except ImportError:
    import json


@attr.s
class Point:
    x = attr.ib()
