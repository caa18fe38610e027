import os
import yaml
from . import helpers
from .models import User
import requests as http
from google.cloud import storage
import numpy as np


def load(path):
    from PIL import Image  # imported inside a function
    return yaml.safe_load(open(path))


# import flask
DOC = """import django"""
s = "from celery import Celery"
