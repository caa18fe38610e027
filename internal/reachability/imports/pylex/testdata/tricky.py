"""Module docstring: import not_a_module"""
import os, sys as system
import xml.etree.ElementTree as ET
from . import sibling
from ..pkg.mod import (first,
                       second as other)
from jinja2 import sandbox
from PIL import Image
try:
    import simplejson as json
except ImportError:  # import fallback_in_comment
    import json


def load(path):
    from yaml import safe_load  # inside a function
    text = f"{path!r:>{width}} import not_in_fstring {'}'} {d["k"]}"
    raw = rb'\d import not_in_bytes'
    triple = '''
import not_in_triple
'''
    cont = "import not_continued" \
        "still a string"
    return safe_load(open(path))


sandbox.SandboxedEnvironment()
mod = importlib.import_module("sklearn.linear_model")
mod.LinearRegression()
dyn = importlib.import_module(name)
pkg = __import__("pkg_resources")
if True: import inline_one; import inline_two
APPS = ["rest_framework", "not a module"]
